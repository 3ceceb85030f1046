"""The hostile-input corpus (:mod:`tests.reliability.hostile`) against the app on the local host.

For every row: the expected status; a 4xx is RFC 9457 problem+json and every answer is one the
OpenAPI document allows; the host still serves health afterwards; every blob of the resources
container is unchanged (names and ETags); no pickle was ever executed.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.classify.scenes import npy_bytes, tiff_bytes
from tests.reliability.conftest import blob_snapshot, reliability_env
from tests.reliability.contract import assert_conforms, assert_problem
from tests.reliability.hostile import CORPUS, PWNED_MARKER, TIFF, Hostile, scene_array
from tests.support.apphost import AppHost
from tests.support.azurite import Azurite


class Target:
    """The app under attack, its container and the resources the rows refer to."""

    def __init__(self, host: AppHost, storage: Azurite, container: str) -> None:
        self.host, self.storage, self.container = host, storage, container
        self.client = httpx.Client(base_url=host.base_url + "/api", timeout=60)
        self.ids: dict[str, str] = {}

    def store(self, key: str, content: bytes, content_type: str) -> None:
        answer = self.client.post("/resources", content=content, params={"name": key},
                                  headers={"Content-Type": content_type})
        assert answer.status_code == 201, answer.text
        self.ids[key] = answer.json()["id"]

    def send(self, row: Hostile) -> httpx.Response:
        path = "/api" + row.path.format(**self.ids)
        url = httpx.URL(self.host.base_url)
        url = url.copy_with(raw_path=path.encode()) if row.raw_path else url.join(path)
        return self.client.request(row.method, url, content=row.content(), files=row.files,
                                   headers=row.headers, params=row.params or None)


@pytest.fixture(scope="module")
def target(azurite: Azurite, model_dir: Path) -> Iterator[Target]:
    container = f"hostile-{uuid.uuid4().hex[:12]}"
    with AppHost(reliability_env(azurite, model_dir, container)) as host:
        attacked = Target(host, azurite, container)
        attacked.store("scene", npy_bytes(scene_array()), "application/x-npy")
        attacked.store("text", b"not an image", "text/plain")
        attacked.store("broken", tiff_bytes(scene_array())[:400], TIFF["Content-Type"])
        yield attacked
        attacked.client.close()


@pytest.fixture(scope="module", autouse=True)
def no_stale_marker() -> None:
    if os.path.exists(PWNED_MARKER):
        os.remove(PWNED_MARKER)


def test_the_corpus_is_large_and_covers_every_kind_of_attack() -> None:
    assert len(CORPUS) >= 100
    prefixes = {row.name.split("-", 1)[0] for row in CORPUS}
    assert {"json", "npy", "tiff", "id", "metadata", "name", "range", "limit", "cursor",
            "principal", "upload", "classify", "patch", "scale", "accept"} <= prefixes
    for row in CORPUS:
        statuses = (row.expected,) if isinstance(row.expected, int) else row.expected
        assert all(400 <= status < 500 for status in statuses) or row.note, (
            f"{row.name}: a success must say why the input is valid")


@pytest.mark.parametrize("row", CORPUS, ids=lambda row: row.name)
def test_hostile_request(target: Target, row: Hostile) -> None:
    before = blob_snapshot(target.storage, target.container)
    response = target.send(row)
    statuses = (row.expected,) if isinstance(row.expected, int) else row.expected
    if all(400 <= status < 500 for status in statuses):
        assert_problem(response, statuses)
    else:
        assert response.status_code in statuses, response.text[:300]
        assert_conforms(response)
    assert target.client.get("/health").status_code == 200, "the host stopped serving"
    assert blob_snapshot(target.storage, target.container) == before, "storage changed"
    assert not os.path.exists(PWNED_MARKER), "a pickle was executed"
