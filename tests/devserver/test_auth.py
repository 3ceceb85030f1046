"""Key authorization (``--enable-auth``) with the host's ``files`` secret store; off by default."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.devserver.conftest import APPS, client_for, http_function, run_until_exit, write_app
from tests.support.apphost import AppHost

MASTER, HOST_KEY, SYSTEM_KEY, OWN_KEY = "master-key-1", "host-function-key-1", "system-key-1", "own-key-1"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, AppHost]]:
    secrets = tmp_path_factory.mktemp("secrets")
    (secrets / "host.json").write_text(json.dumps({
        "masterKey": {"name": "master", "value": MASTER, "encrypted": False},
        "functionKeys": [{"name": "default", "value": HOST_KEY, "encrypted": False}],
        "systemKeys": [{"name": "durabletask_extension", "value": SYSTEM_KEY, "encrypted": False}]}))
    (secrets / "auth_function.json").write_text(json.dumps(
        {"keys": [{"name": "own", "value": OWN_KEY, "encrypted": False}]}))
    env = {"AzureWebJobsSecretStorageType": "files", "FUNCTIONS_SECRETS_PATH": str(secrets)}
    with AppHost(env, app_root=APPS / "basic", extra_args=("--enable-auth",)) as host, \
            client_for(host) as http:
        yield http, host


def _status(http: httpx.Client, path: str, header: str | None = None, code: str | None = None) -> int:
    response = http.get(path, headers={"x-functions-key": header} if header else {},
                        params={"code": code} if code else {})
    if response.status_code == 401:
        assert response.content == b"", "401 must have an empty body"
    return response.status_code


@pytest.mark.parametrize("path,header,code,expected", [
    ("/api/NoRoute", None, None, 200),                      # anonymous: always passes
    ("/api/NoRoute", "wrong", None, 200),                   # ... even with a wrong key
    ("/api/auth/default", None, None, 401),                 # authLevel omitted = function
    ("/api/auth/default", "wrong", None, 401),
    ("/api/auth/default", HOST_KEY, None, 200),
    ("/api/auth/default", None, HOST_KEY, 200),             # ?code= works too
    ("/api/auth/default", "wrong", HOST_KEY, 401),          # the header beats ?code=
    ("/api/auth/default", HOST_KEY, "wrong", 200),
    ("/api/auth/function", OWN_KEY, None, 200),             # the function's own key
    ("/api/auth/default", OWN_KEY, None, 401),              # ... opens only that function
    ("/api/auth/default", SYSTEM_KEY, None, 401),           # system keys are not function keys
    ("/api/auth/admin", HOST_KEY, None, 401),               # function keys don't open admin
    ("/api/auth/admin", OWN_KEY, None, 401),
    ("/api/auth/admin", MASTER, None, 200),                 # the master key opens everything
    ("/api/auth/function", MASTER, None, 200),
    ("/api/disabled", None, None, 404),                     # disabled: 404 ...
    ("/api/disabled", MASTER, None, 200),                   # ... except for an admin caller
])
def test_key_authorization(secured: tuple[httpx.Client, AppHost], path: str, header: str | None,
                           code: str | None, expected: int) -> None:
    http, _ = secured
    assert _status(http, path, header, code) == expected


def test_key_values_never_reach_the_logs(secured: tuple[httpx.Client, AppHost]) -> None:
    http, host = secured
    http.get("/api/auth/default", params={"code": HOST_KEY})
    logs = host.logs()
    assert "GET /api/auth/default -> auth_default 200" in logs
    assert all(key not in logs for key in (MASTER, HOST_KEY, SYSTEM_KEY, OWN_KEY))


def test_auth_is_off_by_default_like_func_start(basic: httpx.Client) -> None:
    assert basic.get("/api/auth/admin").status_code == 200


def test_generates_a_key_store_when_none_is_configured(tmp_path: Path) -> None:
    app = write_app(tmp_path / "app", {"secured": http_function(auth_level="function")})
    with AppHost(app_root=app, extra_args=("--enable-auth",)) as host, client_for(host) as http:
        store = app / ".cache" / "devserver-secrets" / "host.json"
        keys = json.loads(store.read_text())
        default_key = keys["functionKeys"][0]["value"]
        assert len(default_key) >= 40
        assert http.get("/api/secured").status_code == 401
        assert http.get("/api/secured", headers={"x-functions-key": default_key}).status_code == 200
        assert http.get("/api/secured", params={"code": keys["masterKey"]["value"]}).status_code == 200
        logs = host.logs()
    assert str(store) in logs
    assert default_key not in logs and keys["masterKey"]["value"] not in logs


def test_unsupported_secret_storage_is_refused(tmp_path: Path) -> None:
    app = write_app(tmp_path / "app", {"f": http_function()})
    result = run_until_exit(app, "--enable-auth", env={"AzureWebJobsSecretStorageType": "blob",
                                                       "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0 and "is not supported by the local host" in result.stderr
