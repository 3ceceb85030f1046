"""The app's Azure identity and its Key Vault secrets, cached with a TTL.

Identity: one ``DefaultAzureCredential`` per process (:func:`azure_credential`): the managed
identity in Azure; locally whatever the developer configured (``AZURE_CLIENT_ID`` /
``AZURE_CLIENT_SECRET`` / ``AZURE_TENANT_ID``, Azure CLI, ...). With
``IDENTITY_DISABLE_INSTANCE_DISCOVERY=true`` it trusts ``AZURE_AUTHORITY_HOST`` without Microsoft's
instance discovery (private authority hosts; the tests' token endpoint).

Secrets (:class:`SecretCache`, one per process for ``KEY_VAULT_URL``: :func:`vault_secrets`):

* a value is reused for ``SECRET_CACHE_TTL_SECONDS``, then read again;
* ``get(name, refresh=True)`` bypasses the TTL (storage rejected the credential: key rotated),
  at most once per ``MIN_FORCED_READ_SECONDS`` per secret, so a rejection that a new secret does
  not cure (a firewall rule, a missing role) cannot turn every request into a vault read;
* **vault down or refusing while a value is cached**: the cached value keeps being served, even
  past its TTL. Failing every request because the vault is briefly unreachable would turn a vault
  hiccup into a full outage, while the cached credential very likely still works (and if it does
  not, storage says so and the caller re-reads). Such a value is marked stale: a warning is logged,
  :meth:`SecretCache.status` (the health report) shows ``state: stale`` with the error type, and
  the vault is asked again after ``min(TTL, 30 s)``, not on every request;
* no value cached and the vault or the identity's token endpoint unreachable (or refusing the
  app's credentials, which the SDK does not tell apart) → ``DependencyUnavailable`` (503 +
  Retry-After); the vault refusing the identity (401/403) or the secret missing →
  ``SettingsError`` naming the setting and the fix (503 "misconfigured").

Secret values never reach a log line, an exception message or the health report. Concurrent
requests cause one vault read per secret, not many (see :meth:`SecretCache.get`).

The vault's TLS certificate is checked against the system trust store (``REQUESTS_CA_BUNDLE`` is
honoured by the HTTP stack). A vault on a loopback address (tests, local emulators) is not under
``vault.azure.net``, so the SDK's check that the challenge's resource matches the vault's domain is
relaxed for loopback hosts only.
"""
from __future__ import annotations

import ipaddress
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import urlsplit

from azure.core.exceptions import (ClientAuthenticationError, HttpResponseError,
                                   ResourceNotFoundError, ServiceRequestError, ServiceResponseError)
from azure.core.pipeline.policies import RetryPolicy
from azure.identity import DefaultAzureCredential
from azure.keyvault.secrets import SecretClient

from shared.http import DependencyUnavailable
from shared.settings import SettingsError, get_settings

log = logging.getLogger("icesurf.secrets")

FAILED_REFRESH_RETRY_SECONDS = 30.0
MIN_FORCED_READ_SECONDS = 5.0
VAULT_CLIENT_OPTIONS: dict[str, Any] = dict(
    connection_timeout=5, read_timeout=10,
    retry_policy=RetryPolicy(retry_total=1, retry_backoff_factor=0.2))

_credential_lock = threading.Lock()
_credential: DefaultAzureCredential | None = None  # per-process: token caching lives inside it


def azure_credential() -> DefaultAzureCredential:
    """The process's ``DefaultAzureCredential`` (created on first use, lock-guarded)."""
    global _credential
    with _credential_lock:
        if _credential is None:
            _credential = DefaultAzureCredential(
                disable_instance_discovery=get_settings().identity_disable_instance_discovery)
        return _credential


@dataclass
class _Cached:
    value: str
    version: str
    fetched_at: float      # clock() of the last successful read
    next_read: float       # clock() after which the vault is asked again
    last_error: str | None = None  # type of the last failed read (None: the value is fresh)


class SecretCache:
    """TTL cache in front of one vault (policy in the module docstring)."""

    def __init__(self, fetch: Callable[[str], tuple[str, str]], ttl_seconds: float, *,
                 vault_url: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._fetch = fetch  # name → (value, version)
        self._ttl = ttl_seconds
        self.vault_url = vault_url
        self._clock = clock
        self._lock = threading.Lock()  # guards _entries and _readers; never held during a read
        self._entries: dict[str, _Cached] = {}
        self._readers: dict[str, threading.Lock] = {}  # per secret: held by the one reading it

    def _cached(self, name: str, refresh: bool) -> _Cached | None:
        """The entry if it may be served as is (caller holds ``_lock``)."""
        entry = self._entries.get(name)
        now = self._clock()
        if entry is not None and now < entry.next_read and (
                not refresh or now - entry.fetched_at < MIN_FORCED_READ_SECONDS):
            return entry
        return None

    def get(self, name: str, *, refresh: bool = False) -> str:
        """The secret's value, read from the vault when not cached, expired, or ``refresh``.

        One caller reads a given secret at a time. While it does, callers that only need a value
        are served the cached one (a slow vault does not stall requests); callers with nothing
        cached, or that need a new value (``refresh``), wait for that read and use its result."""
        with self._lock:
            usable = self._cached(name, refresh)
            if usable is not None:
                return usable.value
            stale = self._entries.get(name)
            reader = self._readers.setdefault(name, threading.Lock())
        if stale is not None and not refresh:
            if not reader.acquire(blocking=False):
                return stale.value
        else:
            reader.acquire()
        try:
            with self._lock:  # another caller may have read it while this one waited
                usable = self._cached(name, refresh)
                entry = self._entries.get(name)
            if usable is not None:
                return usable.value
            now = self._clock()
            try:
                value, version = self._fetch(name)
            except Exception as exc:  # noqa: BLE001 - classified below; never swallowed silently
                with self._lock:
                    return self._after_failed_read(name, entry, exc, now)
            if entry is not None and entry.version != version:
                log.info("secret %s: new version %s read from Key Vault", name, version)
            with self._lock:
                self._entries[name] = _Cached(value, version, now, now + self._ttl)
            return value
        finally:
            reader.release()

    def _after_failed_read(self, name: str, entry: _Cached | None, exc: Exception, now: float) -> str:
        if not isinstance(exc, (HttpResponseError, ServiceRequestError, ServiceResponseError,
                                ClientAuthenticationError)):
            raise exc  # a bug, not a vault condition
        if entry is not None:
            entry.last_error = type(exc).__name__
            entry.next_read = now + min(self._ttl, FAILED_REFRESH_RETRY_SECONDS)
            log.warning("secret %s: Key Vault read failed (%s); serving the value read %.0f s ago "
                        "(TTL %.0f s)", name, entry.last_error, now - entry.fetched_at, self._ttl)
            return entry.value
        raise _first_read_failure(name, self.vault_url, exc) from None

    def status(self) -> list[dict[str, Any]]:
        """Per cached secret: name, version, age, fresh/stale, last error type (never the value)."""
        with self._lock:
            now = self._clock()
            return [{"name": name, "version": entry.version,
                     "age_seconds": round(now - entry.fetched_at, 1),
                     "state": "stale" if entry.last_error or now - entry.fetched_at >= self._ttl
                     else "fresh",
                     "last_error": entry.last_error}
                    for name, entry in self._entries.items()]


def _first_read_failure(name: str, vault_url: str, exc: Exception) -> Exception:
    """The exception for a secret that could not be read and is not cached."""
    kind = type(exc).__name__
    status = getattr(exc, "status_code", None)
    if isinstance(exc, ResourceNotFoundError):
        return SettingsError(
            f"Key Vault {vault_url} has no secret {name!r}: create it (the storage connection "
            f"string or account SAS URL) or fix STORAGE_SECRET_NAME.")
    if status in (401, 403):
        return SettingsError(
            f"Key Vault {vault_url} refused to return secret {name!r} ({kind}, HTTP {status}): "
            f"grant the app's identity the 'Key Vault Secrets User' role on the vault.")
    if isinstance(exc, ClientAuthenticationError):
        # No token: the identity endpoint is unreachable or refused the app's credentials; the
        # SDK does not tell these apart reliably, so both are a 503 with the checks to make.
        log.warning("secret %s: no token for Key Vault: %s", name, exc.message)
        return DependencyUnavailable(
            "key-vault", f"The app's Azure identity could not get a token for Key Vault "
                         f"{vault_url}: the identity endpoint is unreachable or refused the app's "
                         f"credentials (check the managed identity, or locally AZURE_TENANT_ID/"
                         f"AZURE_CLIENT_ID/AZURE_CLIENT_SECRET); details are in the log.")
    return DependencyUnavailable(
        "key-vault", f"Key Vault {vault_url} could not be read ({kind}); try again later.")


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _vault_reader(vault_url: str) -> Callable[[str], tuple[str, str]]:
    client = SecretClient(vault_url, azure_credential(),
                          verify_challenge_resource=not _is_loopback(vault_url),
                          **VAULT_CLIENT_OPTIONS)

    def read(name: str) -> tuple[str, str]:
        secret = client.get_secret(name)
        return secret.value or "", secret.properties.version or ""
    return read


_cache_lock = threading.Lock()
_cache: SecretCache | None = None  # per-process: the cache for KEY_VAULT_URL


def vault_secrets() -> SecretCache:
    """The process's secret cache for ``KEY_VAULT_URL`` (created on first use, lock-guarded)."""
    global _cache
    with _cache_lock:
        if _cache is None:
            settings = get_settings()
            if urlsplit(settings.key_vault_url or "").scheme != "https":
                raise SettingsError("KEY_VAULT_URL must be the vault's https:// URL "
                                    "(https://<vault>.vault.azure.net): Key Vault is only "
                                    "reachable over TLS.")
            _cache = SecretCache(_vault_reader(settings.key_vault_url),
                                 settings.secret_cache_ttl_seconds, vault_url=settings.key_vault_url)
        return _cache


def secrets_status() -> dict[str, Any] | None:
    """For health: the vault's secrets as cached by this process (None when no vault is used)."""
    with _cache_lock:
        cache = _cache
    return None if cache is None else {"vault": cache.vault_url, "secrets": cache.status()}
