"""The store's Python API (used by the classify function) and its storage invariants."""
from __future__ import annotations

import hashlib
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from azure.storage.blob import BlobServiceClient

from shared.ownership import Owner, owner_for_principal
from shared.problems import Problem
from shared.resource_store import (MAX_NAME_LENGTH, MAX_MODEL_VERSION_LENGTH,
                                   METADATA_BYTES_CEILING, ResourceRecord, ResourceStore,
                                   new_resource_id)
from shared.settings import reload_settings
from tests.resources.conftest import assert_problem, upload


def test_create_and_read_a_classification(store_env) -> None:
    owner = owner_for_principal(str(uuid.uuid4()))
    store = ResourceStore()
    source = new_resource_id()
    content = bytes(range(256)) * 100
    record = store.create(owner, content, kind="classification", content_type="image/png",
                          name="classes.png", source=source, model_version="micasense-2024.1",
                          metadata={"fractions": "0.1,0.9"})
    assert (record.kind, record.source, record.model_version) == (
        "classification", source, "micasense-2024.1")
    assert record.sha256 == hashlib.sha256(content).hexdigest() and record.size == len(content)
    read_record, read_content = store.read(owner, record.id)
    assert read_record == record and read_content == content
    assert store.get(owner, record.id) == record


def test_python_api_refuses_programming_errors(store_env) -> None:
    store = ResourceStore()
    owner = Owner("shared")
    with pytest.raises(ValueError):
        store.create(owner, b"x", kind="model", content_type="image/png")
    with pytest.raises(ValueError):
        store.create(owner, b"x", kind="scene", content_type="image/png", source=new_resource_id())
    with pytest.raises(ValueError):
        store.create(owner, b"x", kind="classification", content_type="image/png",
                     model_version="\n")
    with pytest.raises(Problem) as bad_id:
        store.read(owner, "nope")
    assert bad_id.value.status == 400


def test_classifications_cannot_be_replaced_and_outlive_their_source(api: httpx.Client,
                                                                     principal: dict,
                                                                     store_env) -> None:
    owner = owner_for_principal(principal["x-ms-client-principal-id"])
    scene = upload(api, b"scene", principal)
    result = ResourceStore().create(owner, b"classes", kind="classification",
                                    content_type="image/png", source=scene["id"])
    assert_problem(api.put(f"/resources/{result.id}", content=b"x", headers=principal), 409,
                   "kind-conflict")
    assert api.delete(f"/resources/{scene['id']}", headers=principal).status_code == 204
    kept = api.get(f"/resources/{result.id}", headers=principal)
    assert kept.status_code == 200 and kept.json()["source"] == scene["id"]
    assert api.delete(f"/resources/{result.id}", headers=principal).status_code == 204


def test_container_is_created_on_first_use_by_racing_writers(azurite, monkeypatch,
                                                             store_env) -> None:
    container = f"fresh-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("RESOURCES_CONTAINER", container)
    reload_settings()
    store = ResourceStore()
    owner = Owner("shared")
    assert store.list(owner).items == []  # listing before the container exists
    with ThreadPoolExecutor(8) as pool:
        records = list(pool.map(lambda i: store.create(owner, f"{i}".encode(), kind="scene",
                                                       content_type="text/plain"), range(8)))
    assert sorted(r.id for r in store.list(owner).items) == sorted(r.id for r in records)
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    assert service.get_container_client(container).exists()


def test_worst_case_record_fits_blob_metadata_limit() -> None:
    """Azure allows 8 KiB of metadata (names + values) per blob; the largest record must fit."""
    record = ResourceRecord(
        id=new_resource_id(), kind="classification", name="\U0001F9CA" * MAX_NAME_LENGTH,
        content_type="image/png", size=1, sha256="0" * 64, created="2026-01-01T00:00:00.000Z",
        updated="2026-01-01T00:00:00.000Z", etag='"0x1"', source=new_resource_id(),
        model_version="\U0001F9CA" * MAX_MODEL_VERSION_LENGTH,
        metadata={"v": "\U0001F9CA" * ((METADATA_BYTES_CEILING - 8) // 4)})  # 4096 B of JSON
    stored = ResourceStore._blob_metadata(record)
    assert all(value.isascii() and value.isprintable() for value in stored.values())
    assert sum(len(key) + len(value) for key, value in stored.items()) <= 8192


def test_server_ids_are_uuid7_in_creation_order() -> None:
    before = int(time.time() * 1000)
    ids = []
    for _ in range(5):
        ids.append(new_resource_id())
        time.sleep(0.002)
    after = int(time.time() * 1000)
    assert ids == sorted(ids)
    for text in ids:
        value = uuid.UUID(text)
        assert value.version == 7 and value.variant == uuid.RFC_4122
        assert before <= value.int >> 80 <= after
