"""Fixtures of the Key Vault tests: the HTTPS test vault, an Azurite whose account key can be
rotated, and the app on the local host reading its storage credential from the vault."""
from __future__ import annotations

import base64
import os
import secrets
from contextlib import contextmanager
from typing import Callable, Iterator, Mapping

import httpx
import pytest

from shared import secrets as shared_secrets
from shared import storage_clients
from shared.settings import reload_settings
from tests.support.apphost import AppHost
from tests.support.azurite import Azurite
from tests.support.keyvault import FakeKeyVault

ACCOUNT = "icesurfkv"
SECRET_NAME = "storage-connection"
PROBLEM_JSON = "application/problem+json"


class RotatingStorage:
    """Azurite with its own account and a key that ``rotate()`` replaces (restart, data kept)."""

    def __init__(self) -> None:
        self.key = self._new_key()
        self.azurite = Azurite()

    @staticmethod
    def _new_key() -> str:
        return base64.b64encode(secrets.token_bytes(32)).decode()

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={self.key};"
                f"BlobEndpoint=http://127.0.0.1:{self.azurite.port}/{ACCOUNT};")

    def start(self) -> None:
        with _environment({"AZURITE_ACCOUNTS": f"{ACCOUNT}:{self.key}"}):  # read by Azurite at start
            self.azurite.start()

    def rotate(self) -> None:
        """The account key changes, as after 'az storage account keys renew'."""
        self.azurite.stop()
        self.key = self._new_key()
        self.start()

    def close(self) -> None:
        self.azurite.close()


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="module")
def vault() -> Iterator[FakeKeyVault]:
    with FakeKeyVault() as server:
        yield server


@pytest.fixture(scope="module")
def storage() -> Iterator[RotatingStorage]:
    rotating = RotatingStorage()
    rotating.start()
    try:
        yield rotating
    finally:
        rotating.close()


def vault_app_env(vault: FakeKeyVault, **settings: str) -> dict[str, str]:
    """App settings reading the storage credential from ``vault`` with a real
    DefaultAzureCredential (EnvironmentCredential → the vault's token endpoint)."""
    return {**vault.identity_env(), "KEY_VAULT_URL": vault.url, "STORAGE_SECRET_NAME": SECRET_NAME,
            "IDENTITY_DISABLE_INSTANCE_DISCOVERY": "true", **settings}


def api_client(host: AppHost) -> httpx.Client:
    return httpx.Client(base_url=host.base_url + "/api", timeout=60)


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"] == f"/problems/{slug}", body
    if status == 503:
        assert int(response.headers["retry-after"]) > 0
    return body


def assert_no_secret_in(text: str, *secret_values: str) -> None:
    for value in secret_values:
        assert value not in text, "a secret value leaked"


@pytest.fixture()
def use_vault_here(monkeypatch: pytest.MonkeyPatch, vault: FakeKeyVault
                   ) -> Iterator[Callable[..., None]]:
    """``configure(**settings)``: this process's settings (and identity environment) pointed at
    the test vault, with the per-process caches (credential, secrets, storage client) reset."""
    def configure(**settings: str) -> None:
        for name in ("STORAGE_ACCOUNT_URL", "STORAGE_CONNECTION_STRING"):
            monkeypatch.delenv(name, raising=False)
        for name, value in vault_app_env(vault, **settings).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(shared_secrets, "_credential", None)
        monkeypatch.setattr(shared_secrets, "_cache", None)
        monkeypatch.setattr(storage_clients, "_client", None)
        monkeypatch.setattr(storage_clients, "_client_secret", None)
        reload_settings()
    yield configure
    monkeypatch.undo()
    reload_settings()
