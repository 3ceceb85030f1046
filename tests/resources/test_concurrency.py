"""Optimistic concurrency: of concurrent conditional writers exactly one wins; no update is lost."""
from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from shared.ownership import owner_for_principal
from shared.problems import Problem
from shared.resource_store import Preconditions, RecordChange, ResourceRecord, ResourceStore
from tests.resources.conftest import MERGE_PATCH, upload

WRITERS = 20


def _concurrently(base_url: str, requests: list[dict]) -> list[httpx.Response]:
    """Send the requests at once, one client per request, released together."""
    start = threading.Barrier(len(requests), timeout=30)

    def send(request: dict) -> httpx.Response:
        with httpx.Client(base_url=base_url + "/api", timeout=60) as client:
            start.wait()
            return client.request(**request)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def test_concurrent_if_match_patches_have_exactly_one_winner(resource_app, api: httpx.Client
                                                             ) -> None:
    record = upload(api, b"contested")
    requests = [{"method": "PATCH", "url": f"/resources/{record['id']}",
                 "json": {"metadata": {"writer": str(i)}},
                 "headers": {**MERGE_PATCH, "If-Match": record["etag"]}} for i in range(WRITERS)]
    responses = _concurrently(resource_app.base_url, requests)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [412] * (WRITERS - 1), statuses
    winner = next(response.json() for response in responses if response.status_code == 200)
    final = api.get(f"/resources/{record['id']}").json()
    assert final == winner and final["metadata"]["writer"] in {str(i) for i in range(WRITERS)}


def test_concurrent_create_only_puts_have_exactly_one_winner(resource_app, api: httpx.Client
                                                             ) -> None:
    url = f"/resources/{uuid.uuid4()}"
    requests = [{"method": "PUT", "url": url, "content": f"writer {i}".encode(),
                 "headers": {"If-None-Match": "*"}} for i in range(10)]
    responses = _concurrently(resource_app.base_url, requests)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [412] * 9, statuses
    winner = next(r for r in responses if r.status_code == 201)
    assert api.get(f"{url}/content").content == requests[responses.index(winner)]["content"]
    assert api.get(url).json() == winner.json()


def test_concurrent_unconditional_patches_lose_no_update(resource_app, api: httpx.Client) -> None:
    record = upload(api, b"shared notes")
    requests = [{"method": "PATCH", "url": f"/resources/{record['id']}",
                 "json": {"metadata": {f"k{i}": str(i)}}, "headers": MERGE_PATCH}
                for i in range(10)]
    assert {r.status_code for r in _concurrently(resource_app.base_url, requests)} == {200}
    assert api.get(f"/resources/{record['id']}").json()["metadata"] == {
        f"k{i}": str(i) for i in range(10)}


def _racing_change(barrier: threading.Barrier, value: str):
    """A change that waits until every writer has read the same version (first call only), so
    all of them pass the precondition check before any of them writes."""
    calls = []

    def change(record: ResourceRecord) -> RecordChange:
        if not calls:
            calls.append(1)
            barrier.wait()
        return RecordChange(record.name, {**record.metadata, value: value})

    return change


@pytest.mark.parametrize("conditional", [True, False])
def test_store_writers_that_all_passed_the_check_still_have_one_winner(store_env,
                                                                       conditional: bool) -> None:
    owner = owner_for_principal(str(uuid.uuid4()))
    store = ResourceStore()
    record = store.create(owner, b"x", kind="scene", content_type="image/tiff")
    conditions = Preconditions(if_match=(record.etag,)) if conditional else Preconditions()
    barrier = threading.Barrier(8, timeout=30)

    def write(i: int) -> str:
        try:
            store.update(owner, record.id, _racing_change(barrier, f"w{i}"), conditions)
            return "ok"
        except Problem as problem:
            return str(problem.status)

    with ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(write, range(8)))
    final = store.get(owner, record.id).metadata
    if conditional:
        assert outcomes == ["412"] * 7 + ["ok"] and len(final) == 1
    else:
        assert outcomes == ["ok"] * 8 and final == {f"w{i}": f"w{i}" for i in range(8)}
