"""A Key Vault-compatible HTTPS server for tests: secrets data plane plus its own token endpoint.

The real ``SecretClient`` and the real ``azure-identity`` credentials talk to it unchanged:

* TLS with a certificate made here (self-signed, ``IP:127.0.0.1``); clients trust it through
  ``ca_path`` (``REQUESTS_CA_BUNDLE`` for a whole process, ``connection_verify=`` for one client).
* The Key Vault challenge flow: a request without ``Authorization`` gets ``401`` with
  ``WWW-Authenticate: Bearer authorization="https://login.microsoftonline.com/<tenant>",
  resource="https://vault.azure.net"``; the client then fetches a token and resends with ``Bearer``.
* ``GET /secrets/{name}/`` and ``GET /secrets/{name}/{version}`` answer the REST shapes of "Get
  Secret" (``value``, ``id``, ``attributes``), and ``404 SecretNotFound`` for unknown secrets.
* The Microsoft Entra endpoints a ``ClientSecretCredential`` (``EnvironmentCredential`` inside
  ``DefaultAzureCredential``) uses when ``AZURE_AUTHORITY_HOST`` points here: OpenID discovery
  ``/{tenant}/v2.0/.well-known/openid-configuration`` and the client-credentials token endpoint
  ``/{tenant}/oauth2/v2.0/token``. Only the configured client id/secret get a token, and only
  tokens issued here open the secrets. Tokens are JWT-shaped, so the same endpoint also serves
  storage tokens that Azurite (``--oauth basic``) accepts: the identity-based storage path.

Secrets are set in-process (``set_secret`` adds a new version, as rotation does), requests are
counted per secret, and ``stop()``/``start()`` keep the port, certificate and secrets so a test
can take the vault down and bring it back.
"""
from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import secrets
import socket
import ssl
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.support.ports import free_port, wait_for_port

TENANT_ID = "72f988bf-0000-4000-8000-00000000c0de"
CLIENT_ID = "3b1c6a52-0000-4000-8000-0000000a11ce"
CLIENT_SECRET = "test-client-secret-not-real"
VAULT_RESOURCE = "https://vault.azure.net"
STORAGE_RESOURCE = "https://storage.azure.com"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed server certificate for ``IP:127.0.0.1`` (and localhost): (cert.pem, key.pem)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "icesurf test key vault")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _access_token(resource: str) -> str:
    """A JWT-shaped access token for ``resource`` (unsigned: Azurite's ``--oauth basic`` checks
    audience, issuer and lifetime only; the vault here checks that it issued the token)."""
    now = int(time.time())
    claims = {"aud": resource, "iss": f"https://sts.windows.net/{TENANT_ID}/", "iat": now,
              "nbf": now - 60, "exp": now + 3600, "tid": TENANT_ID, "appid": CLIENT_ID,
              "jti": secrets.token_urlsafe(12)}

    def part(document: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.{secrets.token_urlsafe(32)}"


class FakeKeyVault:
    """The vault on ``https://127.0.0.1:<port>``; see the module docstring."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="keyvault-")
        self.ca_path, self.key_path = make_certificate(Path(self._tmp.name))
        self.port = free_port()
        self._lock = threading.Lock()
        self._versions: dict[str, list[tuple[str, str, int]]] = {}  # name → [(version, value, t)]
        self._tokens: set[str] = set()
        self.secret_reads: Counter[str] = Counter()  # authenticated GETs answered, per secret
        self.token_requests: Counter[str] = Counter()  # tokens issued, per resource
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    def identity_env(self) -> dict[str, str]:
        """Environment for ``EnvironmentCredential`` to get its tokens from this server, and for
        ``requests`` (inside azure-core) to trust its certificate."""
        return {"AZURE_TENANT_ID": TENANT_ID, "AZURE_CLIENT_ID": CLIENT_ID,
                "AZURE_CLIENT_SECRET": CLIENT_SECRET, "AZURE_AUTHORITY_HOST": self.url,
                "REQUESTS_CA_BUNDLE": str(self.ca_path)}

    def set_secret(self, name: str, value: str) -> str:
        """Store ``value`` as the new current version of ``name``; returns the version id."""
        version = uuid.uuid4().hex
        with self._lock:
            self._versions.setdefault(name, []).append((version, value, int(time.time())))
        return version

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> "FakeKeyVault":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_path, self.key_path)
        server = _TrackingServer(("127.0.0.1", self.port), _handler_for(self))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-key-vault",
                                        daemon=True)
        self._thread.start()
        wait_for_port(self.port, timeout)
        return self

    def stop(self) -> None:
        """Stop listening and cut the open (keep-alive) connections, as a vault outage would."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.close_connections()
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def close(self) -> None:
        self.stop()
        self._tmp.cleanup()

    def __enter__(self) -> "FakeKeyVault":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # -- request handling (called from the handler threads) --------------------------------

    def _issue_token(self, form: dict[str, list[str]]) -> tuple[int, dict]:
        field = {key: values[0] for key, values in form.items()}
        if (field.get("grant_type") != "client_credentials" or field.get("client_id") != CLIENT_ID
                or field.get("client_secret") != CLIENT_SECRET):
            return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client."}
        resource = field.get("scope", "").removesuffix("/.default")
        if resource not in (VAULT_RESOURCE, STORAGE_RESOURCE):
            return 400, {"error": "invalid_scope", "error_description": "unknown resource"}
        token = _access_token(resource)
        with self._lock:
            self._tokens.add(token)
            self.token_requests[resource] += 1
        return 200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600,
                     "access_token": token}

    def _authorized(self, header: str) -> bool:
        scheme, _, token = header.partition(" ")
        with self._lock:
            return scheme == "Bearer" and token in self._tokens

    def _get_secret(self, name: str, version: str) -> tuple[int, dict]:
        with self._lock:
            history = self._versions.get(name, [])
            matches = [entry for entry in history if entry[0] == version] if version else history[-1:]
            if matches:
                self.secret_reads[name] += 1
        if not matches:
            return 404, {"error": {"code": "SecretNotFound",
                                   "message": f"A secret with (name/id) {name} was not found in this "
                                              f"key vault."}}
        found_version, value, created = matches[0]
        return 200, {"value": value, "id": f"{self.url}/secrets/{name}/{found_version}",
                     "attributes": {"enabled": True, "created": created, "updated": created,
                                    "recoveryLevel": "Recoverable+Purgeable"}}


class _TrackingServer(ThreadingHTTPServer):
    """Remembers its open connections so that ``stop()`` can cut them."""

    daemon_threads = True

    def __init__(self, *args, **kwargs) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def process_request(self, request, client_address) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            open_connections, self._connections = list(self._connections), set()
        for connection in open_connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()


def _handler_for(vault: FakeKeyVault) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet: tests assert on the app's logs, not these
            pass

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            parts = [part for part in path.split("/") if part]
            if path.endswith("/v2.0/.well-known/openid-configuration") and len(parts) == 4:
                tenant = parts[0]
                self._json(200, {
                    "issuer": f"{vault.url}/{tenant}/v2.0",
                    "authorization_endpoint": f"{vault.url}/{tenant}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{vault.url}/{tenant}/oauth2/v2.0/token",
                    "token_endpoint_auth_methods_supported": ["client_secret_post"]})
                return
            if parts[:1] == ["secrets"] and len(parts) in (2, 3):
                if "Authorization" not in self.headers or not vault._authorized(
                        self.headers["Authorization"]):
                    self._json(401, {"error": {"code": "Unauthorized",
                                               "message": "AKV10000: Request is missing a Bearer "
                                                          "or PoP token."}}, {
                        "WWW-Authenticate": f'Bearer authorization="https://login.microsoftonline.'
                                            f'com/{TENANT_ID}", resource="{VAULT_RESOURCE}"'})
                    return
                self._json(*vault._get_secret(parts[1], parts[2] if len(parts) == 3 else ""))
                return
            self._json(404, {"error": {"code": "NotFound", "message": f"no route {path}"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            parts = [part for part in urlsplit(self.path).path.split("/") if part]
            if parts[1:] == ["oauth2", "v2.0", "token"]:
                self._json(*vault._issue_token(parse_qs(body)))
            else:
                self._json(404, {"error": {"code": "NotFound", "message": "no such route"}})

        def _json(self, status: int, document: dict, headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler
