"""Serving from the blob registry, in process against Azurite: verification before unpickling,
one download for concurrent first requests, hot swap, rollback, a corrupt version keeping the old
one serving, no model → 503, and the MODEL_LOCAL_DIR source."""
from __future__ import annotations

import io
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import joblib
import pytest

from shared import model_registry
from shared.http import DependencyUnavailable
from shared.model_registry import BlobModelRegistry, current_model, model_status
from shared.settings import reload_settings
from tests.registry.conftest import (NAME, REFRESH_SECONDS, SENSOR, artifact_version, model_blob,
                                     overwrite_blob)


class _Trap:
    """Unpickling this creates a marker file: proof that a payload was (or was not) unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def trap_payload(marker: Path) -> bytes:
    out = io.BytesIO()
    joblib.dump(_Trap(marker), out)
    return out.getvalue()


def served(sensor: str = SENSOR) -> dict:
    return next(m for m in model_status()["models"] if m["name"] == model_registry.model_name(sensor))


def wait_for_version(version: str, timeout: float = 10.0) -> None:
    """Call current_model until it serves ``version``; every call must succeed meanwhile."""
    deadline = time.monotonic() + timeout
    while current_model(SENSOR).version != version:
        assert time.monotonic() < deadline, f"still serving {current_model(SENSOR).version}"
        time.sleep(REFRESH_SECONDS / 4)


def test_first_load_verifies_and_serves_the_current_version(registry_env: BlobModelRegistry,
                                                            micasense_artifact: Path) -> None:
    name, version = registry_env.publish(micasense_artifact, activate=True)
    model = current_model(SENSOR)
    assert (model.name, model.version) == (name, version)
    manifest = json.loads((micasense_artifact / "manifest.json").read_text())
    assert model.sha256 == manifest["sha256"]
    assert served()["status"] == "loaded" and served()["loads"] == 1


def test_tampered_model_is_refused_before_unpickling(registry_env: BlobModelRegistry, azurite,
                                                     models_container: str, micasense_artifact: Path,
                                                     tmp_path: Path) -> None:
    _, version = registry_env.publish(micasense_artifact, activate=True)
    marker = tmp_path / "unpickled"
    overwrite_blob(azurite, models_container, model_blob(version), trap_payload(marker))
    with pytest.raises(DependencyUnavailable) as refused:
        current_model(SENSOR)
    assert refused.value.what == "model"
    assert "sha256" in refused.value.detail
    assert not marker.exists(), "the tampered payload was unpickled"
    assert served()["status"] == "failed"


def test_pinned_sha256_refuses_any_other_model(registry_env: BlobModelRegistry,
                                               micasense_artifact: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    registry_env.publish(micasense_artifact, activate=True)
    monkeypatch.setenv("MODEL_ALLOWED_SHA256", "0" * 64)
    reload_settings()
    with pytest.raises(DependencyUnavailable, match="sha256"):
        current_model(SENSOR)


def test_concurrent_first_requests_download_once(registry_env: BlobModelRegistry,
                                                 micasense_artifact: Path) -> None:
    registry_env.publish(micasense_artifact, activate=True)
    start = threading.Barrier(16)

    def first_request(_: int):
        start.wait()
        return current_model(SENSOR)

    with ThreadPoolExecutor(16) as pool:
        models = list(pool.map(first_request, range(16)))
    assert all(model is models[0] for model in models)
    assert served()["loads"] == 1


def test_hot_swap_rollback_and_corrupt_version(registry_env: BlobModelRegistry, azurite,
                                              models_container: str, micasense_artifact: Path,
                                              tmp_path: Path) -> None:
    v1 = registry_env.publish(artifact_version(micasense_artifact, tmp_path, "hs-1"), activate=True)[1]
    v2 = registry_env.publish(artifact_version(micasense_artifact, tmp_path, "hs-2"))[1]
    assert current_model(SENSOR).version == v1

    stop = threading.Event()
    errors: list[BaseException] = []

    def keep_serving() -> None:  # requests during the swaps must never fail
        while not stop.is_set():
            try:
                current_model(SENSOR)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)
    background = threading.Thread(target=keep_serving)
    background.start()
    try:
        registry_env.activate(NAME, v2)
        wait_for_version(v2)
        registry_env.rollback(NAME)
        wait_for_version(v1)

        v3 = registry_env.publish(artifact_version(micasense_artifact, tmp_path, "hs-3"))[1]
        overwrite_blob(azurite, models_container, model_blob(v3), b"corrupted in storage")
        registry_env.activate(NAME, v3)
        deadline = time.monotonic() + 10
        while served()["last_error"] is None:
            assert time.monotonic() < deadline
            time.sleep(REFRESH_SECONDS / 4)
        assert current_model(SENSOR).version == v1  # the old model keeps serving
        assert served()["status"] == "loaded" and "sha256" in served()["last_error"]
        loads = served()["loads"]
        time.sleep(3 * REFRESH_SECONDS)
        assert served()["loads"] == loads  # the refused version is not downloaded again
    finally:
        stop.set()
        background.join()
    assert not errors


def test_nothing_published_is_unavailable_then_served(registry_env: BlobModelRegistry,
                                                      micasense_artifact: Path) -> None:
    with pytest.raises(DependencyUnavailable, match="no version of icesurf-micasense"):
        current_model(SENSOR)
    registry_env.publish(micasense_artifact, activate=True)
    time.sleep(1.0)  # RETRY_AFTER_SECONDS: the next attempt is due
    assert current_model(SENSOR).name == NAME


def test_local_directory_source_verifies_too(registry_env: BlobModelRegistry, model_dir: Path,
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL_LOCAL_DIR", str(model_dir))
    reload_settings()
    assert current_model(SENSOR).name == NAME
    assert model_status()["source"] == "local-dir"

    tampered = tmp_path / "local"
    artifact_version(model_dir / NAME, tampered, "t").rename(tampered / NAME)
    marker = tmp_path / "unpickled"
    (tampered / NAME / "model.joblib").write_bytes(trap_payload(marker))
    monkeypatch.setenv("MODEL_LOCAL_DIR", str(tampered))
    reload_settings()
    model_registry.reset_served_models()
    with pytest.raises(DependencyUnavailable, match="sha256"):
        current_model(SENSOR)
    assert not marker.exists()


def test_pickle_trap_really_fires_when_unpickled(tmp_path: Path) -> None:
    """The trap above proves something only if unpickling it does create the marker."""
    marker = tmp_path / "unpickled"
    joblib.load(io.BytesIO(trap_payload(marker)))
    assert marker.exists()
