"""Fixtures of the Resource API tests: the app on the local host against the session Azurite.

The app here has its own, small ``MAX_UPLOAD_BYTES`` (so 413 is reachable below the host's own
100 MB limit) and its own container (so its state is independent of other suites). Tests that
list or compare state use a fresh principal each, i.e. a namespace of their own.
"""
from __future__ import annotations

import uuid
from typing import Iterator

import httpx
import pytest

from shared import storage_clients
from shared.settings import reload_settings
from tests.support.apphost import AppHost
from tests.support.azurite import Azurite

UPLOAD_LIMIT = 20 * 1024 * 1024
RETRY_AFTER = "7"
PROBLEM_JSON = "application/problem+json"
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture(scope="session")
def resources_container() -> str:
    return f"res-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def resource_app(azurite: Azurite, resources_container: str) -> Iterator[AppHost]:
    env = {"STORAGE_CONNECTION_STRING": azurite.connection_string,
           "RESOURCES_CONTAINER": resources_container,
           "MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT), "RETRY_AFTER_SECONDS": RETRY_AFTER}
    with AppHost(env) as host:
        yield host


@pytest.fixture()
def api(resource_app: AppHost) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=resource_app.base_url + "/api", timeout=60) as client:
        yield client


@pytest.fixture()
def principal() -> dict[str, str]:
    """Headers of a fresh authenticated caller (its own, empty namespace)."""
    return {"x-ms-client-principal-id": str(uuid.uuid4())}


@pytest.fixture()
def store_env(monkeypatch: pytest.MonkeyPatch, azurite: Azurite, resources_container: str
              ) -> Iterator[None]:
    """This process's settings pointed at the app's storage, for calling the store's Python API
    directly (as the classify function does). The storage client cache is reset around it."""
    monkeypatch.setenv("STORAGE_CONNECTION_STRING", azurite.connection_string)
    monkeypatch.setenv("RESOURCES_CONTAINER", resources_container)
    monkeypatch.setattr(storage_clients, "_client", None)
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


def assert_problem(response: httpx.Response, status: int, slug: str | None = None) -> dict:
    """The response is an RFC 9457 problem with ``status`` (and type ``/problems/<slug>``)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status and body["detail"]
    if slug:
        assert body["type"] == f"/problems/{slug}"
    return body


def upload(api: httpx.Client, content: bytes, headers: dict[str, str] | None = None,
           **params: str) -> dict:
    """POST ``content`` as a scene; the created record."""
    response = api.post("/resources", content=content, params=params,
                        headers={"Content-Type": "image/tiff", **(headers or {})})
    assert response.status_code == 201, response.text
    return response.json()
