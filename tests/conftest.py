"""Session fixtures: a real Azurite, the default models, and the app on the local Functions host.

Every server listens on a free loopback port, so tests never collide with a running ``make run``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import httpx
import pytest

from tests.support.apphost import AppHost
from tests.support.azurite import Azurite

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_MATERIAL = PROJECT_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    """One Azurite blob service for the session."""
    with Azurite() as service:
        yield service


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default model artifacts of both sensors, trained once per session (fixed seeds)."""
    from tools.train import train_default_models

    out = tmp_path_factory.mktemp("models")
    train_default_models(out)
    return out


@pytest.fixture(scope="session")
def app_env(azurite: Azurite, model_dir: Path) -> dict[str, str]:
    """The app settings of the shared session app (Azurite storage, local model artifacts)."""
    return {"STORAGE_CONNECTION_STRING": azurite.connection_string,
            "MODEL_LOCAL_DIR": str(model_dir)}


@pytest.fixture(scope="session")
def app(app_env: dict[str, str]) -> Iterator[AppHost]:
    """The whole function app on the local host, shared by the end-to-end tests of the session."""
    with AppHost(app_env) as host:
        yield host


@pytest.fixture()
def client(app: AppHost) -> Iterator[httpx.Client]:
    """An HTTP client for the session app (loopback only)."""
    with httpx.Client(base_url=app.base_url + "/api", timeout=120) as http:
        yield http
