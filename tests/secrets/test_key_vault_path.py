"""The Key Vault credential path end to end: the app on the local host reads its storage
connection string from the HTTPS test vault with the real SecretClient and a real
DefaultAzureCredential, survives key rotation with one secret re-read, and keeps serving while
the vault is down. No secret value may appear in the host's logs or in any answer."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import httpx
import pytest

from shared.secrets import MIN_FORCED_READ_SECONDS
from tests.secrets.conftest import (SECRET_NAME, RotatingStorage, api_client, assert_no_secret_in,
                                    assert_problem, vault_app_env)
from tests.support.apphost import AppHost
from tests.support.keyvault import CLIENT_SECRET, VAULT_RESOURCE, FakeKeyVault


def round_trip(api: httpx.Client, content: bytes) -> None:
    """Store ``content`` as a resource and read it back through the app."""
    created = api.post("/resources", content=content)
    assert created.status_code == 201, created.text
    assert api.get(f"/resources/{created.json()['id']}/content").content == content


@pytest.fixture(scope="module")
def vault_app(vault: FakeKeyVault, storage: RotatingStorage) -> Iterator[AppHost]:
    vault.set_secret(SECRET_NAME, storage.connection_string)
    with AppHost(vault_app_env(vault, SECRET_CACHE_TTL_SECONDS="300")) as host:
        yield host


def test_storage_credential_is_read_from_the_vault_once(vault_app: AppHost, vault: FakeKeyVault,
                                                         storage: RotatingStorage) -> None:
    reads = vault.secret_reads[SECRET_NAME]
    with api_client(vault_app) as api:
        for attempt in range(3):
            round_trip(api, f"scene {attempt}".encode())
        health = api.get("/health")
    assert health.status_code == 200
    assert health.json()["credential_source"] == "key-vault"
    assert vault.secret_reads[SECRET_NAME] - reads <= 1  # cached within the TTL
    assert vault.token_requests[VAULT_RESOURCE] >= 1  # the real credential got its token here
    assert_no_secret_in(vault_app.logs() + health.text, storage.key, CLIENT_SECRET)


def test_key_rotation_recovers_with_one_secret_reread(vault_app: AppHost, vault: FakeKeyVault,
                                                      storage: RotatingStorage) -> None:
    old_key = storage.key
    with api_client(vault_app) as api:
        round_trip(api, b"before rotation")  # the secret is cached now
        time.sleep(MIN_FORCED_READ_SECONDS)  # forced re-reads are rate-limited per secret
        stored = api.post("/resources", content=b"written with the old key").json()["id"]
        storage.rotate()
        vault.set_secret(SECRET_NAME, storage.connection_string)
        reads = vault.secret_reads[SECRET_NAME]
        with ThreadPoolExecutor(6) as pool:  # concurrent requests all meet the rejected key
            answers = list(pool.map(lambda _: api.get(f"/resources/{stored}/content"), range(6)))
        assert [a.status_code for a in answers] == [200] * 6
        assert all(a.content == b"written with the old key" for a in answers)
        assert vault.secret_reads[SECRET_NAME] - reads == 1
        round_trip(api, b"after rotation")
    logs = vault_app.logs()
    assert "rejected the credential from Key Vault" in logs
    assert_no_secret_in(logs, old_key, storage.key, CLIENT_SECRET)


def test_vault_down_within_ttl_keeps_serving(vault_app: AppHost, vault: FakeKeyVault) -> None:
    with api_client(vault_app) as api:
        round_trip(api, b"vault up")
        vault.stop()
        try:
            for attempt in range(3):
                round_trip(api, f"vault down {attempt}".encode())
        finally:
            vault.start()


def test_vault_down_nothing_cached_is_503_and_past_ttl_serves_the_stale_secret(
        vault: FakeKeyVault, storage: RotatingStorage) -> None:
    vault.set_secret(SECRET_NAME, storage.connection_string)
    vault.stop()  # down before the app ever read the secret
    try:
        with AppHost(vault_app_env(vault, SECRET_CACHE_TTL_SECONDS="1",
                                   RETRY_AFTER_SECONDS="3")) as host, api_client(host) as api:
            down = api.post("/resources", content=b"x")
            body = assert_problem(down, 503, "key-vault-unavailable")
            assert down.headers["retry-after"] == "3"
            assert vault.url in body["detail"]

            vault.start()
            round_trip(api, b"vault back, fresh secret")
            vault.stop()
            time.sleep(1.5)  # past the TTL
            round_trip(api, b"stale secret, vault down")
            health = api.get("/health")
            logs = host.logs()
    finally:
        if not vault.running:
            vault.start()
    assert health.status_code == 200
    report = health.json()
    assert report["status"] == "degraded"
    [secret] = report["key_vault"]["secrets"]
    assert secret["name"] == SECRET_NAME and secret["state"] == "stale"
    assert secret["last_error"] == "ServiceRequestError"
    assert "Key Vault read failed (ServiceRequestError); serving the value read" in logs
    assert_no_secret_in(logs + health.text + down.text, storage.key, CLIENT_SECRET)


def test_unresolved_key_vault_reference_is_refused_naming_setting_and_fix(
        storage: RotatingStorage) -> None:
    reference = "@Microsoft.KeyVault(VaultName=icesurf-kv;SecretName=storage-connection)"
    with AppHost({"STORAGE_CONNECTION_STRING": reference}) as host, api_client(host) as api:
        for response in (api.post("/resources", content=b"x"), api.get("/health")):
            assert response.status_code == 503
            assert "STORAGE_CONNECTION_STRING" in response.text
            assert "Key Vault Secrets User" in response.text
