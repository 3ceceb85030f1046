"""Function and admin keys from the host's ``files`` secret store, and the authorization decision.

Layout (``AzureWebJobsSecretStorageType=files``, folder ``FUNCTIONS_SECRETS_PATH``):
``host.json`` = ``{"masterKey": {"name": "master", "value": ...}, "functionKeys": [{"name":
"default", "value": ...}], "systemKeys": [...]}`` and optional ``<function>.json`` =
``{"keys": [{"name": ..., "value": ...}]}``. Like the host, a missing ``host.json`` is created with
random keys. Key → level: master ⇒ admin (opens everything); host function keys and the function's
own keys ⇒ function; system keys ⇒ system (opens neither function nor admin routes)
(``SecretManager.GetAuthorizationLevelAsync``, ``AuthUtility.PrincipalHasAuthLevelClaim``).
The key comes from the ``x-functions-key`` header, else the ``code`` query parameter
(``AuthenticationLevelHandler``). Key values are never logged.
"""
from __future__ import annotations

import base64
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from devserver.errors import StartupError, read_json_object

log = logging.getLogger("devserver")

ADMIN, SYSTEM, FUNCTION, NONE = "admin", "system", "function", "none"
GENERATED_SECRETS_DIR = Path(".cache") / "devserver-secrets"


def _new_key() -> str:
    """A random key shaped like the host's (URL-safe base64 of 40 random bytes)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(40)).decode().rstrip("=")


@dataclass(frozen=True)
class KeyStore:
    """The keys of one secrets folder, loaded once at start-up."""

    folder: Path
    master: str
    host_function_keys: tuple[str, ...]
    system_keys: tuple[str, ...]
    function_keys: Mapping[str, tuple[str, ...]]  # lower-cased function name → keys

    def level_of(self, key: str, function: str) -> str:
        """The authorization level a presented key grants for ``function``."""
        if not key:
            return NONE
        if _matches(key, (self.master,)):
            return ADMIN
        if _matches(key, self.system_keys):
            return SYSTEM
        if _matches(key, self.host_function_keys + self.function_keys.get(function.lower(), ())):
            return FUNCTION
        return NONE


def _matches(key: str, candidates: tuple[str, ...]) -> bool:
    found = False
    for candidate in candidates:  # no early exit: constant time over the candidates
        found |= hmac.compare_digest(key.encode(), candidate.encode())
    return found


def authorized(required: str, granted: str) -> bool:
    """Anonymous always passes; admin (master key) opens everything; otherwise the exact level."""
    return required == "anonymous" or granted == ADMIN or granted == required


def presented_key(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    """``x-functions-key`` beats ``?code=``."""
    return headers.get("x-functions-key") or query.get("code", "")


def secrets_folder(app_root: Path, environ: Mapping[str, str]) -> Path:
    """Where the keys live: ``FUNCTIONS_SECRETS_PATH``, else a generated folder under ``.cache``."""
    storage = environ.get("AzureWebJobsSecretStorageType", "files")
    if storage.lower() != "files":
        raise StartupError(f"AzureWebJobsSecretStorageType={storage!r} is not supported by the local "
                           f"host; use 'files' with FUNCTIONS_SECRETS_PATH (or leave both unset).")
    configured = environ.get("FUNCTIONS_SECRETS_PATH")
    return Path(configured) if configured else app_root / GENERATED_SECRETS_DIR


def load_key_store(folder: Path) -> KeyStore:
    """Read (or, when ``host.json`` is missing, create) the secrets of ``folder``."""
    host_path = folder / "host.json"
    if not host_path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        document = {"masterKey": {"name": "master", "value": _new_key(), "encrypted": False},
                    "functionKeys": [{"name": "default", "value": _new_key(), "encrypted": False}],
                    "systemKeys": []}
        host_path.write_text(json.dumps(document, indent=2), encoding="utf-8")
        host_path.chmod(0o600)
        log.warning("Generated new host keys in %s (read them there; they are not printed).", host_path)
    host = read_json_object(host_path)
    master = _key_value(host_path, host.get("masterKey"))
    function_keys = {}
    for path in sorted(folder.glob("*.json")):
        if path.name.lower() != "host.json":
            function_keys[path.stem.lower()] = _key_list(path, read_json_object(path).get("keys"))
    return KeyStore(folder, master, _key_list(host_path, host.get("functionKeys")),
                    _key_list(host_path, host.get("systemKeys")), function_keys)


def _key_value(path: Path, entry: Any) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get("value"), str) or not entry["value"]:
        raise StartupError(f"The secrets file {path} has a key without a 'value'.")
    if entry.get("encrypted") is True:
        raise StartupError(f"The secrets file {path} holds encrypted keys; the local host reads "
                           f"only plain ('encrypted': false) keys.")
    return entry["value"]


def _key_list(path: Path, entries: Any) -> tuple[str, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise StartupError(f"The secrets file {path}: key lists must be JSON arrays.")
    return tuple(_key_value(path, entry) for entry in entries)
