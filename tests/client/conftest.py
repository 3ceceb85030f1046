"""Fixtures of the client and command-line tests: the real app on the local host, real Azurite.

``store_app`` serves the resource routes from a container of its own (so listings hold only what
these tests stored) and needs no model; classification tests use the session ``app`` (with the
trained default models).
"""
from __future__ import annotations

import uuid
from typing import Iterator

import numpy as np
import pytest

from icesurf.client import Client, RetryPolicy
from tests.classify.scenes import npy_bytes
from tests.support.apphost import AppHost
from tests.support.azurite import Azurite

FAST_RETRIES = RetryPolicy(attempts=4, backoff=0.05, max_backoff=0.5)


@pytest.fixture(scope="session")
def store_app(azurite: Azurite) -> Iterator[AppHost]:
    env = {"STORAGE_CONNECTION_STRING": azurite.connection_string,
           "RESOURCES_CONTAINER": f"client-{uuid.uuid4().hex[:12]}", "RETRY_AFTER_SECONDS": "1"}
    with AppHost(env) as host:
        yield host


@pytest.fixture(autouse=True)
def no_client_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's ICESURF_API_URL / ICESURF_API_KEY must not reach the tests."""
    monkeypatch.delenv("ICESURF_API_URL", raising=False)
    monkeypatch.delenv("ICESURF_API_KEY", raising=False)


@pytest.fixture()
def api(store_app: AppHost) -> Iterator[Client]:
    with Client(store_app.base_url + "/api", retry=FAST_RETRIES) as client:
        yield client


@pytest.fixture()
def classify_api(app: AppHost) -> Iterator[Client]:
    with Client(app.base_url + "/api", retry=FAST_RETRIES) as client:
        yield client


def npy_scene(bands: int = 5, size: int = 16, seed: int = 7) -> bytes:
    """Content for the resource tests: a random float32 reflectance scene as .npy bytes."""
    rng = np.random.default_rng(seed)
    return npy_bytes(rng.uniform(0.05, 0.95, (size, size, bands)).astype(np.float32))
