"""GET /api/health on the local host: 200 with Azurite up, 503 (+ Retry-After) with it down.

Uses its own Azurite and AppHost (only ``STORAGE_CONNECTION_STRING``), not the session ones: the
outage must not disturb other tests, and the app must not need the trained models to report health.
"""
from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from tests.support.apphost import AppHost
from tests.support.azurite import Azurite


@pytest.fixture()
def health_app() -> Iterator[tuple[Azurite, httpx.Client]]:
    with Azurite() as storage, AppHost({"STORAGE_CONNECTION_STRING": storage.connection_string}) as host, \
            httpx.Client(base_url=host.base_url + "/api", timeout=60) as http:
        yield storage, http


def test_health_is_200_with_storage_and_503_without(health_app: tuple[Azurite, httpx.Client]) -> None:
    storage, http = health_app
    healthy = http.get("/health")
    assert healthy.status_code == 200
    assert healthy.json()["status"] == "ok"

    storage.stop()
    try:
        down = http.get("/health")
        assert down.status_code == 503
        assert int(down.headers["retry-after"]) > 0
        assert down.headers["content-type"].split(";")[0] in ("application/json",
                                                              "application/problem+json")
        assert down.json()["status"] in ("unavailable", 503)
    finally:
        storage.start()
    assert http.get("/health").status_code == 200  # recovers once storage is back
