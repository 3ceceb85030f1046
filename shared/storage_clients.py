"""The process's Blob Storage client, built from the settings (per-process cache, lock-guarded).

Credential order (first configured wins), reported by :func:`credential_source` without secrets:
1. ``STORAGE_ACCOUNT_URL`` with ``DefaultAzureCredential`` (managed identity in Azure);
2. ``KEY_VAULT_URL``: the connection string or SAS URL stored in the secret ``STORAGE_SECRET_NAME``;
3. ``STORAGE_CONNECTION_STRING`` (locally ``UseDevelopmentStorage=true``: Azurite).

Retries are short and bounded: a storage outage must turn into a quick 503, not a minute of backoff.
"""
from __future__ import annotations

import threading
from typing import Callable, TypeVar

from azure.storage.blob import BlobServiceClient, LinearRetry

from shared.settings import SettingsError, get_settings

CLIENT_OPTIONS = dict(connection_timeout=5, read_timeout=60,
                      retry_policy=LinearRetry(backoff=0.5, random_jitter_range=0, retry_total=2))

_lock = threading.Lock()
_client: BlobServiceClient | None = None


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


def blob_service() -> BlobServiceClient:
    """The shared BlobServiceClient of this process (thread-safe; created on first use)."""
    global _client
    with _lock:
        if _client is None:
            source = credential_source()
            if source != "connection-string":
                raise SettingsError(f"credential source {source!r} is not supported yet")
            _client = BlobServiceClient.from_connection_string(
                get_settings().storage_connection_string, **CLIENT_OPTIONS)
        return _client


T = TypeVar("T")


def run_with_storage(operation: Callable[[BlobServiceClient], T]) -> T:
    """Run ``operation`` with the shared client.

    Every storage call of the app goes through here, so that credential problems are handled in
    one place (a rotated key: the client is rebuilt from a freshly read secret and the operation is
    retried once).
    """
    return operation(blob_service())
