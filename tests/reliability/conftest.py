"""Fixtures of the reliability tests: the whole app on the local host, with small limits so every
refusal is reachable cheaply, its own blob container, and a storage snapshot for "nothing
changed" checks.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient

from tests.support.apphost import AppHost
from tests.support.azurite import Azurite

# Small limits: a 413 costs kilobytes, not the host's 100 MB.
UPLOAD_LIMIT = 4 * 1024 * 1024
PIXEL_LIMIT = 1 << 20
RETRY_AFTER = "3"

Snapshot = dict[str, str]


def reliability_env(storage: Azurite, model_dir: Path, container: str) -> dict[str, str]:
    """App settings of a reliability app: Azurite, local models, small limits."""
    return {"STORAGE_CONNECTION_STRING": storage.connection_string,
            "MODEL_LOCAL_DIR": str(model_dir), "RESOURCES_CONTAINER": container,
            "MAX_UPLOAD_BYTES": str(UPLOAD_LIMIT), "MAX_PIXELS": str(PIXEL_LIMIT),
            "RETRY_AFTER_SECONDS": RETRY_AFTER}


@pytest.fixture(scope="session")
def reliability_container() -> str:
    return f"rel-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="session")
def reliability_app(azurite: Azurite, model_dir: Path, reliability_container: str
                    ) -> Iterator[AppHost]:
    with AppHost(reliability_env(azurite, model_dir, reliability_container)) as host:
        yield host


@pytest.fixture()
def api(reliability_app: AppHost) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=reliability_app.base_url + "/api", timeout=60) as client:
        yield client


def blob_snapshot(storage: Azurite, container: str) -> Snapshot:
    """Every blob of ``container``: name → ETag (empty when the container does not exist)."""
    service = BlobServiceClient.from_connection_string(storage.connection_string)
    try:
        return {blob.name: blob.etag
                for blob in service.get_container_client(container).list_blobs()}
    except ResourceNotFoundError:
        return {}
