"""SecretCache policy, in process, with the real SecretClient and ClientSecretCredential against
the HTTPS test vault; only the clock is the test's (so TTLs need no sleeping)."""
from __future__ import annotations

from typing import Callable, Iterator

import pytest
from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient

from shared import secrets
from shared.http import DependencyUnavailable
from shared.secrets import (FAILED_REFRESH_RETRY_SECONDS, MIN_FORCED_READ_SECONDS, SecretCache,
                            vault_secrets)
from shared.settings import SettingsError, reload_settings
from tests.support.keyvault import CLIENT_ID, CLIENT_SECRET, TENANT_ID, FakeKeyVault

TTL = 300.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def reader(vault: FakeKeyVault) -> Iterator[Callable[[str], tuple[str, str]]]:
    """Reads secrets like the app does: SecretClient, challenge flow, a token from the vault."""
    credential = ClientSecretCredential(TENANT_ID, CLIENT_ID, CLIENT_SECRET, authority=vault.url,
                                        disable_instance_discovery=True,
                                        connection_verify=str(vault.ca_path), retry_total=0)
    client = SecretClient(vault.url, credential, verify_challenge_resource=False,
                          connection_verify=str(vault.ca_path), retry_total=0)

    def read(name: str) -> tuple[str, str]:
        secret = client.get_secret(name)
        return secret.value, secret.properties.version
    yield read
    client.close()


@pytest.fixture()
def cache(reader, clock: Clock, vault: FakeKeyVault) -> SecretCache:
    return SecretCache(reader, TTL, vault_url=vault.url, clock=clock)


def test_value_is_reused_within_ttl_and_reread_after(cache: SecretCache, clock: Clock,
                                                     vault: FakeKeyVault) -> None:
    vault.set_secret("ttl", "first")
    assert cache.get("ttl") == "first"
    vault.set_secret("ttl", "second")
    clock.now += TTL - 1
    assert cache.get("ttl") == "first"
    assert vault.secret_reads["ttl"] == 1
    clock.now += 1
    assert cache.get("ttl") == "second"
    assert vault.secret_reads["ttl"] == 2


def test_forced_reread_is_rate_limited(cache: SecretCache, clock: Clock, vault: FakeKeyVault) -> None:
    vault.set_secret("forced", "old")
    assert cache.get("forced") == "old"
    vault.set_secret("forced", "rotated")
    assert cache.get("forced", refresh=True) == "old"  # just read: a new read would not help
    clock.now += MIN_FORCED_READ_SECONDS
    assert cache.get("forced", refresh=True) == "rotated"
    assert vault.secret_reads["forced"] == 2


def test_vault_down_serves_the_cached_value_past_ttl_and_backs_off(
        cache: SecretCache, clock: Clock, vault: FakeKeyVault) -> None:
    vault.set_secret("outage", "kept")
    assert cache.get("outage") == "kept"
    vault.stop()
    try:
        clock.now += TTL + 1
        assert cache.get("outage") == "kept"
        [status] = cache.status()
        assert status["state"] == "stale" and status["last_error"] == "ServiceRequestError"
        assert "kept" not in str(cache.status())
        clock.now += FAILED_REFRESH_RETRY_SECONDS - 1
        assert cache.get("outage") == "kept"  # no new attempt yet: served without the vault
    finally:
        vault.start()
    clock.now += 1
    vault.set_secret("outage", "fresh again")
    assert cache.get("outage") == "fresh again"
    assert cache.status()[0]["state"] == "fresh"


def test_nothing_cached_and_vault_down_is_unavailable(cache: SecretCache, vault: FakeKeyVault) -> None:
    vault.stop()
    try:
        with pytest.raises(DependencyUnavailable) as raised:
            cache.get("never-read")
    finally:
        vault.start()
    assert raised.value.what == "key-vault"


def test_missing_secret_names_the_setting(cache: SecretCache) -> None:
    with pytest.raises(SettingsError, match="STORAGE_SECRET_NAME"):
        cache.get("does-not-exist")


def test_plain_http_vault_url_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEY_VAULT_URL", "http://127.0.0.1:1")
    monkeypatch.setattr(secrets, "_cache", None)
    reload_settings()
    try:
        with pytest.raises(SettingsError, match="KEY_VAULT_URL must be the vault's https:// URL"):
            vault_secrets()
    finally:
        monkeypatch.undo()
        reload_settings()
