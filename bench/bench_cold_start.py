"""Cold start: from process start to the first classification served, model fetched from Azurite.

Two ways of starting the same app on the local host, measured in the same run, alternating:

* **lazy** (what the app does): ``python -m devserver``; the host imports the function modules at
  start-up and the first classification request loads the sensor's model from the blob registry
  (download, sha256 check, unpickle) before classifying;
* **eager** (the baseline): this module with ``--serve-eagerly`` imports every module and loads the
  models of both sensors from the registry first, then runs the same host.

For each: time until the port accepts connections ("listening") and until the first
``POST /api/classify`` (a 512 x 512 MicaSense scene) has been answered 200 ("first answer").
Medians of ``ROUNDS`` starts each; ratios are eager / lazy. Setup (not timed): Azurite, the default
models trained by ``tools.train`` and published with ``tools.models``.
Run: ``.venv/bin/python -m bench.bench_cold_start``.
"""
from __future__ import annotations

import io
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import httpx  # noqa: E402
import numpy as np  # noqa: E402

ROUNDS = 5
SCENE_SHAPE = (512, 512, 5)
MODELS_CONTAINER = "bench-cold-start-models"


def _serve_eagerly(host_args: list[str]) -> int:
    """The baseline process: everything imported and every model loaded before serving."""
    import shared.classify_api  # noqa: F401 - the import is the point
    from devserver.server import main as serve
    from shared.model_registry import MODEL_NAMES, current_model

    for sensor in MODEL_NAMES:
        current_model(sensor)
    return serve(host_args)


def _scene_npy() -> bytes:
    pixels = np.random.default_rng(7).uniform(0.05, 0.9, SCENE_SHAPE).astype(np.float32)
    out = io.BytesIO()
    np.save(out, pixels)
    return out.getvalue()


def _start_and_classify(eager: bool, env: dict[str, str], scene: bytes, log_path: Path
                        ) -> tuple[float, float]:
    """(seconds to listening, seconds to the first classification answered)."""
    from tests.support.ports import free_port, wait_for_port

    port = free_port()
    host_args = ["--app-root", str(PROJECT_ROOT), "--host", "127.0.0.1", "--port", str(port),
                 "--settings", str(log_path.with_name("no-local-settings.json"))]
    entry = ["-m", "bench.bench_cold_start", "--serve-eagerly"] if eager else ["-m", "devserver"]
    with open(log_path, "ab") as log:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, *entry, *host_args], cwd=PROJECT_ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, 300, alive=lambda: process.poll() is None)
        listening = time.perf_counter() - started
        answer = httpx.post(f"http://127.0.0.1:{port}/api/classify", params={"sensor": "micasense"},
                            content=scene, headers={"Content-Type": "application/x-npy"},
                            timeout=300)
        answered = time.perf_counter() - started
        if answer.status_code != 200:
            raise RuntimeError(f"classify answered {answer.status_code}: {answer.text[:500]}")
        return listening, answered
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def main() -> None:
    from shared.settings import SETTINGS
    from tests.support.azurite import Azurite
    from tools.train import train_default_models

    with tempfile.TemporaryDirectory(prefix="bench-cold-start-") as work, Azurite() as azurite:
        work_dir = Path(work)
        env = {k: v for k, v in os.environ.items() if k not in {s.name for s in SETTINGS}}
        env.update(STORAGE_CONNECTION_STRING=azurite.connection_string,
                   MODELS_CONTAINER=MODELS_CONTAINER, PYTHONUNBUFFERED="1")
        train_default_models(work_dir / "models")
        published = subprocess.run(
            [sys.executable, "-m", "tools.models", "publish", str(work_dir / "models"), "--activate"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True)
        print(published.stdout.strip())
        scene = _scene_npy()
        timings: dict[str, list[tuple[float, float]]] = {"lazy": [], "eager": []}
        for round_number in range(ROUNDS):
            for label in ("lazy", "eager"):
                timings[label].append(_start_and_classify(
                    label == "eager", env, scene, work_dir / f"{label}-{round_number}.log"))
    medians = {label: tuple(statistics.median(values) for values in zip(
                   *((listening, answered, answered - listening) for listening, answered in runs)))
               for label, runs in timings.items()}
    print(f"cold start, median of {ROUNDS} process starts each, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          f"(first request: POST /api/classify, {SCENE_SHAPE[0]}x{SCENE_SHAPE[1]} MicaSense scene)")
    for label, (listening, answered, first_request) in medians.items():
        print(f"  {label:5}: listening after {listening:6.2f} s, first classification answered "
              f"after {answered:6.2f} s (the request itself: {first_request:5.2f} s)")
    lazy, eager = medians["lazy"], medians["eager"]
    print(f"  ratio eager/lazy: listening {eager[0] / lazy[0]:.2f}x, first classification "
          f"{eager[1] / lazy[1]:.2f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-eagerly"]:
        sys.exit(_serve_eagerly(sys.argv[2:]))
    main()
