"""The Key Vault storage path in process (real SecretClient, DefaultAzureCredential, Azurite):
an account SAS URL in the secret, and what a wrong secret or identity turns into."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable

import pytest
from azure.storage.blob import (AccountSasPermissions, BlobServiceClient, ResourceTypes,
                                generate_account_sas)

from shared.http import DependencyUnavailable
from shared.settings import SettingsError
from shared.storage_clients import credential_source, run_with_storage
from tests.secrets.conftest import ACCOUNT, RotatingStorage
from tests.support.keyvault import FakeKeyVault


def write_and_read(service: BlobServiceClient) -> bytes:
    container = service.get_container_client(f"cred-{uuid.uuid4().hex[:10]}")
    container.create_container()
    container.upload_blob("probe", b"through the vault's credential")
    return container.download_blob("probe").readall()


def test_account_sas_url_in_the_secret(use_vault_here: Callable[..., None], vault: FakeKeyVault,
                                       storage: RotatingStorage) -> None:
    sas = generate_account_sas(
        ACCOUNT, storage.key, ResourceTypes(service=True, container=True, object=True),
        AccountSasPermissions(read=True, write=True, list=True, create=True, add=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1))
    name = f"sas-{uuid.uuid4().hex[:8]}"
    vault.set_secret(name, f"http://127.0.0.1:{storage.azurite.port}/{ACCOUNT}?{sas}")
    use_vault_here(STORAGE_SECRET_NAME=name)
    assert credential_source() == "key-vault"
    assert run_with_storage(write_and_read) == b"through the vault's credential"


@pytest.mark.parametrize("settings, secret_value, error, named", [
    ({"STORAGE_SECRET_NAME": "no-such-secret"}, None, SettingsError, "STORAGE_SECRET_NAME"),
    ({"AZURE_CLIENT_SECRET": "wrong-client-secret"}, None, DependencyUnavailable,
     "AZURE_CLIENT_SECRET"),
    ({}, "neither a connection string nor a URL", SettingsError, "STORAGE_SECRET_NAME"),
])
def test_unusable_vault_credential_names_the_fix(
        use_vault_here: Callable[..., None], vault: FakeKeyVault, settings: dict[str, str],
        secret_value: str | None, error: type[Exception], named: str) -> None:
    if secret_value is not None:
        settings = {"STORAGE_SECRET_NAME": f"bad-{uuid.uuid4().hex[:8]}"}
        vault.set_secret(settings["STORAGE_SECRET_NAME"], secret_value)
    use_vault_here(**settings)
    with pytest.raises(error) as raised:
        run_with_storage(write_and_read)
    message = str(raised.value.detail if isinstance(raised.value, DependencyUnavailable)
                  else raised.value)
    assert named in message
    assert "wrong-client-secret" not in message and (secret_value or "@@") not in message
