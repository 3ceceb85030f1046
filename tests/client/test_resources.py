"""The client's resource methods against the running app and Azurite (no mocks)."""
from __future__ import annotations

import hashlib
import threading
import uuid
from pathlib import Path

import pytest

from icesurf.client import ApiError, Client, Resource, RetryPolicy
from tests.client.conftest import npy_scene
from tests.support.apphost import AppHost
from tests.support.azurite import Azurite


def test_the_client_record_has_the_api_record_s_members() -> None:
    """The client mirrors the wire record (it does not import the app); they must not drift."""
    from dataclasses import fields

    from shared.resource_store import ResourceRecord

    assert [f.name for f in fields(Resource)] == [f.name for f in fields(ResourceRecord)]


def test_upload_get_update_download_delete(api: Client, tmp_path: Path) -> None:
    scene = tmp_path / "scene 1.npy"
    content = npy_scene(size=64)
    scene.write_bytes(content)
    progress: list[tuple[int, int | None]] = []
    created = api.upload(scene, metadata={"site": "S6", "camera": "RedEdge"},
                         progress=lambda done, total: progress.append((done, total)))
    assert (created.kind, created.name, created.content_type) == ("scene", "scene 1.npy",
                                                                  "application/x-npy")
    assert created.size == len(content)
    assert created.sha256 == hashlib.sha256(content).hexdigest()
    assert created.metadata == {"site": "S6", "camera": "RedEdge"}
    assert progress[-1][0] == progress[-1][1] and progress[-1][0] >= len(content)

    assert api.get(created.id) == created
    updated = api.update(created.id, name="renamed.npy", metadata={"site": "S5", "camera": None},
                         if_match=created.etag)
    assert (updated.name, updated.metadata) == ("renamed.npy", {"site": "S5"})
    assert updated.etag != created.etag

    with pytest.raises(ApiError) as stale:
        api.update(created.id, name="lost.npy", if_match=created.etag)
    assert (stale.value.status, stale.value.type) == (412, "/problems/precondition-failed")
    assert stale.value.detail

    into_folder = api.download(created.id, tmp_path)
    assert into_folder == tmp_path / "renamed.npy" and into_folder.read_bytes() == content
    assert api.content(created.id) == content

    api.delete(created.id, if_match=updated.etag)
    with pytest.raises(ApiError) as gone:
        api.get(created.id)
    assert (gone.value.status, gone.value.type) == (404, "/problems/resource-not-found")


def test_put_creates_then_replaces_at_a_chosen_id(api: Client) -> None:
    chosen = str(uuid.uuid4())
    first, created = api.put(chosen, b"first", name="a.bin", if_none_match="*")
    assert created and first.id == chosen and first.content_type == "application/octet-stream"
    with pytest.raises(ApiError) as exists:
        api.put(chosen, b"again", if_none_match="*")
    assert exists.value.status == 412
    second, created = api.put(chosen, b"second!", if_match=first.etag)
    assert not created and second.size == 7 and second.name == "a.bin"
    assert api.content(chosen) == b"second!"
    api.delete(chosen)


def test_listing_pages_follow_cursors_oldest_first(api: Client) -> None:
    made = [api.upload(f"scene {n}".encode(), name=f"list-{n}.bin").id for n in range(5)]
    page = api.list(limit=2)
    assert len(page.items) <= 2 and page.next_cursor
    listed = [resource.id for resource in api.iter_resources(page_size=2)]
    assert [rid for rid in listed if rid in made] == made
    assert all(r.kind == "scene" for r in api.iter_resources(kind="scene", page_size=1000))
    for rid in made:
        api.delete(rid)


def test_api_problems_reach_the_caller(api: Client) -> None:
    with pytest.raises(ApiError) as bad_limit:
        api.list(limit=5000)
    assert bad_limit.value.status == 400 and bad_limit.value.type == "/problems/invalid-query"
    with pytest.raises(ApiError) as empty:
        api.upload(b"")
    assert empty.value.status == 400 and "Content-Length" in empty.value.detail
    with pytest.raises(ApiError) as bad_meta:
        api.upload(b"x", metadata={"nested": {"no": "strings only"}})  # type: ignore[dict-item]
    assert bad_meta.value.status == 422


def test_the_client_rides_out_a_storage_outage(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The real app answers 503 + Retry-After while Azurite is down; the client waits and retries,
    and gets its answer once storage is back."""
    with Azurite() as storage, AppHost({"STORAGE_CONNECTION_STRING": storage.connection_string,
                                        "RETRY_AFTER_SECONDS": "1"}) as host:
        notices: list[tuple[str, float, int]] = []
        restarted = threading.Event()

        def on_retry(reason: str, delay: float, attempt: int) -> None:
            notices.append((reason, delay, attempt))
            if not restarted.is_set():
                restarted.set()
                storage.start()  # storage comes back while the client waits

        with Client(host.base_url + "/api", retry=RetryPolicy(attempts=6),
                    on_retry=on_retry) as api:
            scene = api.upload(b"kept through the outage", name="outage.bin")
            storage.stop()
            assert api.get(scene.id) == scene
        assert notices and notices[0][1] == 1.0 and notices[0][2] == 2
        assert notices[0][0].startswith("503 Storage unavailable")


def test_a_keyed_app_refuses_without_the_key(azurite: Azurite, tmp_path: Path) -> None:
    import json

    (tmp_path / "host.json").write_text(json.dumps({
        "masterKey": {"name": "master", "value": "client-test-master", "encrypted": False},
        "functionKeys": [{"name": "default", "value": "client-test-key", "encrypted": False}]}))
    env = {"STORAGE_CONNECTION_STRING": azurite.connection_string,
           "AzureWebJobsSecretStorageType": "files", "FUNCTIONS_SECRETS_PATH": str(tmp_path)}
    with AppHost(env, extra_args=("--enable-auth",)) as host:
        with Client(host.base_url + "/api", key="wrong") as api:
            with pytest.raises(ApiError) as refused:
                api.list(limit=1)
            assert refused.value.status == 401 and "ICESURF_API_KEY" in refused.value.detail
            assert api.health()["status"] == "ok"  # anonymous
        with Client(host.base_url + "/api", key="client-test-key") as api:
            assert api.list(limit=1).items is not None


TRANSFER_PROBE = r"""
import json, sys
from icesurf.client import Client

def reset_peak() -> None:  # Linux: writing 5 to clear_refs resets the peak RSS (VmHWM)
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")

def growth(baseline: int) -> int:
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(status["VmHWM"].split()[0]) * 1024 - baseline

def rss() -> int:
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    return int(status["VmRSS"].split()[0]) * 1024

path, url = sys.argv[1], sys.argv[2]
with Client(url) as api:
    api.list(limit=1)  # everything imported and connected before the baseline
    reset_peak(); baseline = rss()
    record = api.upload(path)
    uploaded = growth(baseline)
    reset_peak(); baseline = rss()
    api.download(record.id, path + ".copy")
    downloaded = growth(baseline)
    api.delete(record.id)
print(json.dumps({"upload": uploaded, "download": downloaded}))
"""


def test_transfers_stream_without_holding_the_file(store_app: AppHost, tmp_path: Path) -> None:
    """A 48 MiB upload and download grow the client process's peak memory by far less than the
    file: it is never held whole (a client reading it into memory would grow by >= 1x)."""
    import json
    import os
    import subprocess
    import sys

    scene = tmp_path / "large.bin"
    size = 48 * 1024 * 1024
    scene.write_bytes(os.urandom(size))
    probe = subprocess.run([sys.executable, "-c", TRANSFER_PROBE, str(scene),
                            store_app.base_url + "/api"], capture_output=True, text=True,
                           timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert probe.returncode == 0, probe.stderr
    growth = json.loads(probe.stdout)
    assert growth["upload"] < 0.25 * size and growth["download"] < 0.25 * size, growth
    assert (tmp_path / "large.bin.copy").read_bytes() == scene.read_bytes()
