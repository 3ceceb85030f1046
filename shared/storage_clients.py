"""The process's Blob Storage client, built from the settings (per-process cache, lock-guarded).

Credential order (first configured wins), reported by :func:`credential_source` without secrets:
1. ``STORAGE_ACCOUNT_URL`` with ``DefaultAzureCredential`` (managed identity in Azure);
2. ``KEY_VAULT_URL``: the connection string or account SAS URL stored in the secret
   ``STORAGE_SECRET_NAME``, read through :mod:`shared.secrets` (cached for ``SECRET_CACHE_TTL_SECONDS``);
3. ``STORAGE_CONNECTION_STRING`` (locally ``UseDevelopmentStorage=true``: Azurite).

Every storage call goes through :func:`run_with_storage`. When storage rejects a credential that
came from Key Vault (403 ``AuthenticationFailed``: the account key was rotated or the SAS expired),
the secret is read again once, bypassing its TTL, the client is rebuilt (if the value changed) and
the operation retried once. Concurrent callers hitting the same rejection share that one re-read
(the secret cache serves a value read less than 5 s ago instead of reading again).

Retries are short and bounded: a storage outage must turn into a quick 503, not a minute of backoff.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable, TypeVar

from azure.core.exceptions import HttpResponseError
from azure.storage.blob import BlobServiceClient, LinearRetry

from shared.http import DependencyUnavailable
from shared.secrets import azure_credential, vault_secrets
from shared.settings import SettingsError, get_settings

log = logging.getLogger("icesurf.storage")

CLIENT_OPTIONS = dict(connection_timeout=5, read_timeout=60,
                      retry_policy=LinearRetry(backoff=0.5, random_jitter_range=0, retry_total=2))
# Error codes of a credential storage does not accept (shared key, SAS; Azurite: AuthorizationFailure).
REJECTED_CREDENTIAL_CODES = frozenset({"AuthenticationFailed", "AuthorizationFailure"})

_lock = threading.Lock()
_client: BlobServiceClient | None = None
_client_secret: str | None = None  # the Key Vault secret _client was built from (None otherwise)


def credential_source() -> str:
    """Which credential path is configured: 'identity', 'key-vault' or 'connection-string'."""
    settings = get_settings()
    if settings.storage_account_url:
        return "identity"
    if settings.key_vault_url:
        return "key-vault"
    if settings.storage_connection_string:
        return "connection-string"
    raise SettingsError("No storage is configured: set STORAGE_ACCOUNT_URL (managed identity), "
                        "KEY_VAULT_URL (+ STORAGE_SECRET_NAME), or STORAGE_CONNECTION_STRING "
                        "('UseDevelopmentStorage=true' for Azurite).")


def _vault_secret(*, reread: bool = False) -> str | None:
    """The storage secret from Key Vault (cached, see shared.secrets), or None for the other paths."""
    if credential_source() != "key-vault":
        return None
    return vault_secrets().get(get_settings().storage_secret_name, refresh=reread).strip()


def _build_client(secret: str | None) -> BlobServiceClient:
    settings = get_settings()
    source = credential_source()
    if source == "identity":
        return BlobServiceClient(settings.storage_account_url, credential=azure_credential(),
                                 **CLIENT_OPTIONS)
    if source == "key-vault":
        return _client_from_secret(secret or "", settings.storage_secret_name)
    return BlobServiceClient.from_connection_string(settings.storage_connection_string,
                                                    **CLIENT_OPTIONS)


def _client_from_secret(secret: str, secret_name: str) -> BlobServiceClient:
    """A client from the vault secret: an account SAS URL, or a connection string."""
    if secret.lower().startswith("https://") or secret.lower().startswith("http://"):
        return BlobServiceClient(secret, **CLIENT_OPTIONS)  # the SAS token is the URL's query
    try:
        return BlobServiceClient.from_connection_string(secret, **CLIENT_OPTIONS)
    except ValueError:
        raise SettingsError(
            f"The Key Vault secret {secret_name!r} (STORAGE_SECRET_NAME) holds neither a storage "
            f"connection string nor an account SAS URL: store one of them in it.") from None


def blob_service(*, reread_secret: bool = False) -> BlobServiceClient:
    """The shared BlobServiceClient of this process (thread-safe; created on first use).

    On the Key Vault path the secret is looked up on every call (a dictionary look-up while it is
    cached; read again after its TTL, or now with ``reread_secret``) and the client is rebuilt
    when its value changed. The lookup happens outside this module's lock, so a slow vault read
    never holds up callers that can use the current client."""
    global _client, _client_secret
    secret = _vault_secret(reread=reread_secret)
    with _lock:
        if _client is None or secret != _client_secret:
            _client, _client_secret = _build_client(secret), secret
        return _client


def _error_code(exc: HttpResponseError) -> str:
    """The storage error code as plain text (the SDK gives a str enum whose hash is its name)."""
    return str(getattr(exc.error_code, "value", exc.error_code))


def _credential_rejected(exc: HttpResponseError) -> bool:
    return exc.status_code == 403 and _error_code(exc) in REJECTED_CREDENTIAL_CODES


T = TypeVar("T")


def run_with_storage(operation: Callable[[BlobServiceClient], T]) -> T:
    """Run ``operation`` with the shared client (see the module docstring for the one retry).

    ``operation`` may run twice, so it must not consume one-shot inputs (open streams) that it
    did not create itself."""
    try:
        return operation(blob_service())
    except HttpResponseError as exc:
        if not _credential_rejected(exc) or credential_source() != "key-vault":
            raise
        log.warning("Blob Storage rejected the credential from Key Vault (%s); reading secret %s "
                    "again and retrying once", _error_code(exc), get_settings().storage_secret_name)
    return operation(blob_service(reread_secret=True))


def run_or_unavailable(operation: Callable[[BlobServiceClient], T]) -> T:
    """:func:`run_with_storage`, with storage failing (5xx, or refusing the credential even after
    the retry) raised as ``DependencyUnavailable("storage")``: a 503, not a bug."""
    try:
        return run_with_storage(operation)
    except HttpResponseError as exc:
        if exc.status_code is None or exc.status_code >= 500 or exc.status_code in (401, 403):
            raise DependencyUnavailable("storage", f"Blob Storage answered {exc.status_code} "
                                                   f"({_error_code(exc)}); try again later.") from exc
        raise
