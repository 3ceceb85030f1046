"""GET /api/models and /api/models/current on the local host, fed by the tools.models CLI through
Azurite; the health report's model section; CLI refusals."""
from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from shared.model_registry import BlobModelRegistry
from tests.registry.conftest import NAME
from tests.support.apphost import AppHost
from tests.support.azurite import Azurite
from tools.models import main as models_cli

PROBLEM_JSON = "application/problem+json"


@pytest.fixture(scope="module")
def models_container() -> str:
    """One container for this module's app (overrides the per-test one of conftest)."""
    return f"models-api-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def models_host(azurite: Azurite, models_container: str) -> Iterator[AppHost]:
    env = {"STORAGE_CONNECTION_STRING": azurite.connection_string,
           "MODELS_CONTAINER": models_container, "MODEL_REFRESH_SECONDS": "0.5",
           "RETRY_AFTER_SECONDS": "2"}
    with AppHost(env) as host:
        yield host


@pytest.fixture()
def models_api(registry_env: BlobModelRegistry, models_host: AppHost) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=models_host.base_url + "/api", timeout=60) as api:
        yield api


def test_empty_registry_is_503_then_published_models_are_served(
        models_api: httpx.Client, model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answer = models_api.get("/models/current")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == PROBLEM_JSON
    assert answer.headers["retry-after"] == "2"
    assert answer.json()["type"] == "/problems/model-unavailable"
    listing = models_api.get("/models").json()["models"]
    assert {entry["name"]: (entry["current"], entry["versions"]) for entry in listing} == {
        "icesurf-micasense": (None, []), "icesurf-sentinel2": (None, [])}
    health = models_api.get("/health").json()
    assert health["status"] == "degraded"  # storage fine, but the model load failed
    assert {m["name"]: m["status"] for m in health["models"]["models"]}[NAME] == "failed"

    assert models_cli(["publish", str(model_dir), "--activate"]) == 0
    assert "published icesurf-micasense" in capsys.readouterr().out
    time.sleep(2)  # the Retry-After: the next load attempt is due

    card = models_api.get("/models/current")
    assert card.status_code == 200, card.text
    assert card.json()["name"] == NAME
    assert card.headers["etag"] == f'"{card.json()["sha256"]}"'
    sentinel = models_api.get("/models/current", params={"sensor": "sentinel2"}).json()
    assert sentinel["name"] == "icesurf-sentinel2"

    listing = {entry["name"]: entry for entry in models_api.get("/models").json()["models"]}
    micasense = listing[NAME]
    assert micasense["sensor"] == "micasense"
    assert micasense["current"] == micasense["serving"] == card.json()["version"]
    assert [v["version"] for v in micasense["versions"]] == [card.json()["version"]]

    health = models_api.get("/health").json()
    model = {m["name"]: m for m in health["models"]["models"]}[NAME]
    assert (model["status"], model["version"], model["loads"]) == ("loaded", card.json()["version"], 1)
    assert health["status"] == "ok" and health["models"]["source"].startswith("blob:")

    assert models_cli(["list"]) == 0
    assert f"* {card.json()['version']}" in capsys.readouterr().out


@pytest.mark.parametrize("path, params, status", [
    ("/models/current", {"sensor": "landsat"}, 400),
    ("/models", {"unexpected": "1"}, 400),
    ("/models/icesurf-micasense", {}, 404),
])
def test_bad_requests_are_problems(models_api: httpx.Client, path: str, params: dict, status: int
                                   ) -> None:
    answer = models_api.get(path, params=params)
    assert answer.status_code == status
    assert answer.headers["content-type"] == PROBLEM_JSON


def test_cli_refusals(registry_env: BlobModelRegistry, model_dir: Path, tmp_path: Path,
                      capsys: pytest.CaptureFixture[str]) -> None:
    assert models_cli(["activate", NAME, "no-such-version"]) == 2
    assert "has no published version" in capsys.readouterr().err
    assert models_cli(["rollback", "icesurf-sentinel2"]) == 2
    assert "no previous version" in capsys.readouterr().err
    assert models_cli(["publish", str(tmp_path)]) == 2  # an empty folder
    broken = tmp_path / "broken"
    (broken).mkdir()
    for item in (model_dir / NAME).iterdir():
        (broken / item.name).write_bytes(item.read_bytes())
    (broken / "model.joblib").write_bytes(b"not the model the manifest describes")
    assert models_cli(["publish", str(broken)]) == 2
    assert "Refusing to publish" in capsys.readouterr().err
    assert models_cli(["publish", str(model_dir / NAME)]) == 0
    assert models_cli(["publish", str(model_dir / NAME)]) == 0  # idempotent
