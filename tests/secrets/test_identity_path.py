"""Credential order 1, identity-based storage: ``STORAGE_ACCOUNT_URL`` with the real
DefaultAzureCredential, against Azurite over HTTPS with ``--oauth basic`` (it checks the token's
audience, issuer and lifetime), tokens from the test server's Entra endpoint. It wins over a
configured Key Vault and connection string, and no key is needed anywhere."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.secrets.conftest import api_client, assert_no_secret_in, vault_app_env
from tests.secrets.test_key_vault_path import round_trip
from tests.support.apphost import AppHost
from tests.support.azurite import ACCOUNT, Azurite
from tests.support.keyvault import CLIENT_SECRET, STORAGE_RESOURCE, FakeKeyVault


@pytest.fixture(scope="module")
def oauth_azurite(vault: FakeKeyVault) -> Iterator[Azurite]:
    with Azurite(extra_args=("--cert", str(vault.ca_path), "--key", str(vault.key_path),
                             "--oauth", "basic")) as storage:
        yield storage


def test_identity_based_storage_comes_first(vault: FakeKeyVault, oauth_azurite: Azurite) -> None:
    env = vault_app_env(vault, STORAGE_ACCOUNT_URL=f"https://127.0.0.1:{oauth_azurite.port}/{ACCOUNT}",
                        STORAGE_CONNECTION_STRING="UseDevelopmentStorage=true")
    issued = vault.token_requests[STORAGE_RESOURCE]
    with AppHost(env) as host, api_client(host) as api:
        round_trip(api, b"stored with a managed-identity-style token")
        health = api.get("/health")
    assert health.status_code == 200, health.text
    assert health.json()["credential_source"] == "identity"
    assert "key_vault" not in health.json()  # the vault was not needed
    assert vault.token_requests[STORAGE_RESOURCE] > issued
    assert_no_secret_in(host.logs() + health.text, CLIENT_SECRET)
