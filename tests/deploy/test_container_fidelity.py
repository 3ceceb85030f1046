"""The image has every dependency and file it needs, shown without Docker.

What the image holds is rebuilt here: a fresh virtualenv from requirements.txt alone (plus
devserver/requirements.txt, standing in for the Functions host the base image provides) and a copy
of the app filtered by .dockerignore exactly as the build filters it. The local host serves that
copy against Azurite, and a smoke test (health, upload, classify) runs over HTTP.

The host runs with PYTHONSAFEPATH and only its own copied package on PYTHONPATH, so nothing of the
checkout (or of the development venv) can stand in for a file or package the image lacks.
The virtualenv takes a minute to build, so it is cached under .cache/, keyed by the hash of the
requirement files and the Python version.
"""
from __future__ import annotations

import fcntl
import hashlib
import io
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import httpx
import numpy as np
import pytest

from tests.deploy.dockerignore import copy_context
from tests.deploy.iac import PROJECT_ROOT
from tests.support.apphost import AppHost
from tests.support.azurite import Azurite

pytestmark = pytest.mark.slow

REQUIREMENT_FILES = (PROJECT_ROOT / "requirements.txt", PROJECT_ROOT / "devserver" / "requirements.txt")
VENV_CACHE = PROJECT_ROOT / ".cache" / "container-venv"


def _requirements_key() -> str:
    digest = hashlib.sha256(sys.version.encode())
    for path in REQUIREMENT_FILES:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="module")
def image_python() -> Path:
    """Python of a fresh virtualenv holding only the image's packages (cached, built once)."""
    VENV_CACHE.mkdir(parents=True, exist_ok=True)
    venv = VENV_CACHE / _requirements_key()
    with open(VENV_CACHE / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel runs wait for one build
        if not (venv / ".complete").exists():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
            args = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check"]
            for path in REQUIREMENT_FILES:
                args += ["--requirement", str(path)]
            subprocess.run(args, check=True, timeout=900)
            (venv / ".complete").touch()
    return venv / "bin" / "python"


@pytest.fixture(scope="module")
def image_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(app root as COPY . /home/site/wwwroot leaves it, folder holding only the host package)."""
    base = tmp_path_factory.mktemp("image")
    wwwroot, host = base / "wwwroot", base / "host"
    copy_context(PROJECT_ROOT, wwwroot)
    shutil.copytree(PROJECT_ROOT / "devserver", host / "devserver",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "requirements.txt"))
    return wwwroot, host


def _isolated_env(host: Path) -> dict[str, str]:
    return {"PYTHONSAFEPATH": "1", "PYTHONPATH": str(host), "PYTHONNOUSERSITE": "1"}


def test_the_checkout_is_out_of_reach(image_python: Path, image_root: tuple[Path, Path]) -> None:
    """The isolation the smoke test relies on: from the checkout, `shared` is not importable."""
    _, host = image_root
    probe = subprocess.run([str(image_python), "-c", "import devserver, shared"], cwd=PROJECT_ROOT,
                           env=_isolated_env(host), capture_output=True, text=True, timeout=60)
    assert "No module named 'shared'" in probe.stderr, probe.stderr
    dev_only = subprocess.run([str(image_python), "-c", "import pytest"], capture_output=True,
                              text=True, timeout=60, env=_isolated_env(host))
    assert dev_only.returncode != 0, "a development package leaked into the image's virtualenv"


@pytest.fixture(scope="module")
def image_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's model folder: empty at start (health needs no model), filled before classifying."""
    return tmp_path_factory.mktemp("image-models")


@pytest.fixture(scope="module")
def image_app(image_python: Path, image_root: tuple[Path, Path], azurite: Azurite,
              image_models: Path) -> Iterator[AppHost]:
    wwwroot, host = image_root
    env = {**_isolated_env(host), "STORAGE_CONNECTION_STRING": azurite.connection_string,
           "MODEL_LOCAL_DIR": str(image_models), "RESOURCES_CONTAINER": "fidelity-resources"}
    with AppHost(env, app_root=wwwroot, python=str(image_python)) as app:
        yield app


@pytest.fixture()
def image_client(image_app: AppHost) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=image_app.base_url + "/api", timeout=120) as http:
        yield http


def _scene_tiff() -> bytes:
    """A small 5-band MicaSense reflectance scene (band-last float32 GeoTIFF-compatible TIFF)."""
    import tifffile

    rng = np.random.default_rng(7)
    scene = rng.uniform(0.05, 0.95, size=(24, 16, 5)).astype(np.float32)
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, scene, photometric="minisblack", planarconfig="contig")
    return buffer.getvalue()


def test_health_answers_from_the_image(image_client: httpx.Client, image_app: AppHost) -> None:
    response = image_client.get("/health")
    assert response.status_code == 200, image_app.logs()[-3000:]
    assert response.json()["status"] == "ok"


@pytest.fixture(scope="module")
def scene_id(image_app: AppHost) -> str:
    """A scene uploaded through the image's app (the upload is what test_upload checks)."""
    with httpx.Client(base_url=image_app.base_url + "/api", timeout=120) as http:
        upload = http.post("/resources", params={"name": "scene.tif"}, content=_scene_tiff(),
                           headers={"Content-Type": "image/tiff"})
    assert upload.status_code == 201, upload.text + image_app.logs()[-3000:]
    return upload.json()["id"]


def test_upload_from_the_image(image_client: httpx.Client, scene_id: str) -> None:
    record = image_client.get(f"/resources/{scene_id}")
    assert record.status_code == 200 and record.json()["name"] == "scene.tif"
    content = image_client.get(f"/resources/{scene_id}/content")
    assert content.status_code == 200 and content.content == _scene_tiff()


def test_classify_from_the_image(image_client: httpx.Client, image_app: AppHost, scene_id: str,
                                 image_models: Path, model_dir: Path) -> None:
    shutil.copytree(model_dir, image_models, dirs_exist_ok=True)
    stored = image_client.post(f"/classify/{scene_id}")
    assert stored.status_code == 201, stored.text + image_app.logs()[-3000:]
    result = image_client.get(stored.headers["Location"].split("/api", 1)[-1])
    assert result.status_code == 200 and result.json()["kind"] == "classification"

    pixels = image_client.post("/classify", json={"pixels": [[0.9, 0.9, 0.88, 0.85, 0.8],
                                                             [0.1, 0.1, 0.08, 0.06, 0.05]],
                                                  "sensor": "micasense"})
    assert pixels.status_code == 200, pixels.text + image_app.logs()[-3000:]
    assert pixels.headers["Content-Type"].startswith("application/json")
