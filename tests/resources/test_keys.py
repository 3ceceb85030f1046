"""authLevel function: every route of the Resource API needs a function key (401 without)."""
from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.support.apphost import AppHost

HOST_KEY = "resource-test-function-key"


@pytest.fixture(scope="module")
def secured_app(azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppHost]:
    secrets: Path = tmp_path_factory.mktemp("resource-secrets")
    (secrets / "host.json").write_text(json.dumps({
        "masterKey": {"name": "master", "value": "resource-test-master", "encrypted": False},
        "functionKeys": [{"name": "default", "value": HOST_KEY, "encrypted": False}]}))
    env = {"STORAGE_CONNECTION_STRING": azurite.connection_string,
           "AzureWebJobsSecretStorageType": "files", "FUNCTIONS_SECRETS_PATH": str(secrets)}
    with AppHost(env, extra_args=("--enable-auth",)) as host:
        yield host


@pytest.mark.parametrize("key, expected", [(None, 401), ("wrong", 401), (HOST_KEY, 200)])
def test_routes_need_a_function_key(secured_app: AppHost, key: str | None, expected: int) -> None:
    headers = {"x-functions-key": key} if key else {}
    with httpx.Client(base_url=secured_app.base_url + "/api", headers=headers, timeout=60) as api:
        created = api.post("/resources", content=b"x")
        assert created.status_code == (201 if expected == 200 else 401)
        resource = created.json()["id"] if expected == 200 else str(uuid.uuid4())
        for method, path in (("GET", "/resources"), ("GET", f"/resources/{resource}"),
                             ("GET", f"/resources/{resource}/content")):
            assert api.request(method, path).status_code == expected
