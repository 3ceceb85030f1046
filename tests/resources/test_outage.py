"""Storage unreachable: every route answers 503 problem+json with Retry-After, and recovers."""
from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import httpx
import pytest

from tests.resources.conftest import MERGE_PATCH, assert_problem
from tests.support.apphost import AppHost
from tests.support.azurite import Azurite


@pytest.fixture(scope="module")
def outage_setup() -> Iterator[tuple[Azurite, AppHost]]:
    with Azurite() as storage, AppHost({"STORAGE_CONNECTION_STRING": storage.connection_string,
                                        "RETRY_AFTER_SECONDS": "11"}) as host:
        yield storage, host


def test_storage_outage_is_503_with_retry_after_then_recovers(outage_setup) -> None:
    storage, host = outage_setup
    with httpx.Client(base_url=host.base_url + "/api", timeout=60) as api:
        record = api.post("/resources", content=b"before the outage").json()
        url = f"/resources/{record['id']}"
        requests = [("GET", "/resources", {}), ("POST", "/resources", {"content": b"x"}),
                    ("GET", url, {}), ("GET", f"{url}/content", {}),
                    ("PUT", f"/resources/{uuid.uuid4()}", {"content": b"x"}),
                    ("PATCH", url, {"json": {"name": "n"}, "headers": MERGE_PATCH}),
                    ("DELETE", url, {})]
        storage.stop()
        try:  # all at once: each waits out the storage client's bounded retries
            with ThreadPoolExecutor(len(requests)) as pool:
                responses = list(pool.map(lambda r: api.request(r[0], r[1], **r[2]), requests))
        finally:
            storage.start()
        for response in responses:
            assert_problem(response, 503, "storage-unavailable")
            assert response.headers["retry-after"] == "11"
        assert api.get(f"{url}/content").content == b"before the outage"
        assert api.post("/resources", content=b"after").status_code == 201
