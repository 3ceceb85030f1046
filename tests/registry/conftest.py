"""Fixtures of the registry tests: this process's settings pointed at the session Azurite with a
fresh models container per test, and artifact folders derived from the trained default models."""
from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from azure.storage.blob import BlobServiceClient

from shared import model_registry, secrets, storage_clients
from shared.model_registry import MANIFEST_FILE, MODEL_FILE, BlobModelRegistry
from shared.settings import reload_settings
from tests.support.azurite import Azurite

SENSOR = "micasense"
NAME = "icesurf-micasense"
REFRESH_SECONDS = 0.2


@pytest.fixture()
def models_container() -> str:
    return f"models-{uuid.uuid4().hex[:12]}"


@pytest.fixture()
def registry_env(monkeypatch: pytest.MonkeyPatch, azurite: Azurite, models_container: str
                 ) -> Iterator[BlobModelRegistry]:
    """Settings of this process: Azurite, a fresh models container, a short refresh interval;
    the per-process caches (storage client, served models) are reset around each test."""
    monkeypatch.setenv("STORAGE_CONNECTION_STRING", azurite.connection_string)
    monkeypatch.setenv("MODELS_CONTAINER", models_container)
    monkeypatch.setenv("MODEL_REFRESH_SECONDS", str(REFRESH_SECONDS))
    monkeypatch.setenv("RETRY_AFTER_SECONDS", "1")
    for name in ("MODEL_LOCAL_DIR", "MODEL_ALLOWED_SHA256", "KEY_VAULT_URL", "STORAGE_ACCOUNT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(storage_clients, "_client", None)
    monkeypatch.setattr(secrets, "_cache", None)
    reload_settings()
    model_registry.reset_served_models()
    yield BlobModelRegistry(models_container)
    model_registry.reset_served_models()
    monkeypatch.undo()
    reload_settings()


def artifact_version(source: Path, target_root: Path, version: str) -> Path:
    """A copy of the artifact folder ``source`` whose manifest says ``version`` (same model file)."""
    target = target_root / f"{source.name}-{version}"
    shutil.copytree(source, target)
    manifest = json.loads((target / MANIFEST_FILE).read_text())
    manifest["version"] = version
    (target / MANIFEST_FILE).write_text(json.dumps(manifest))
    return target


@pytest.fixture()
def micasense_artifact(model_dir: Path) -> Path:
    """The trained default MicaSense artifact folder."""
    return model_dir / NAME


def overwrite_blob(azurite: Azurite, container: str, blob: str, data: bytes) -> None:
    """Change a registry blob behind the registry's back (tampering, corruption in storage)."""
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    service.get_blob_client(container, blob).upload_blob(data, overwrite=True)


def model_blob(version: str) -> str:
    return f"{NAME}/{version}/{MODEL_FILE}"
