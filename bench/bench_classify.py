"""The classification API end to end vs a naive reference pipeline, measured in one run.

* **served**: ``POST /api/classify`` of a 2048 x 2048 x 5 float32 GeoTIFF (4.2 Mpx, uncompressed
  strips as GDAL writes them, 80 MiB) to the app on the local host over loopback, JSON summary back;
  client wall time, median of ``ROUNDS``.
* **naive reference** (in this process, no HTTP): ``tifffile.imread`` of the same bytes,
  ``predict`` of the original model form, ``RandomForestClassifier(n_estimators=32)`` trained on the
  same library samples as the served model (``n_jobs=-1``: both cores, the stronger baseline),
  per-class counts and coverage to JSON; median of ``ROUNDS``.
* **memory**: peak RSS growth of the serving process during the first large request (the host
  warmed up with small requests only), as a ratio of the body size (target <= 2.5x).
* **JSON latency**: a 1,000-pixel JSON request (reflectance to 4 decimals, ~41 kB) through the
  function's ``main`` in this process (no HTTP); median handler time (target <= 5 ms).

The scene is bench_inference's (library samples with noise, random positions). Run:
``.venv/bin/python -m bench.bench_classify``.
"""
from __future__ import annotations

import importlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

import azure.functions as func  # noqa: E402
import httpx  # noqa: E402
import tifffile  # noqa: E402
from sklearn.ensemble import RandomForestClassifier  # noqa: E402

from bench.bench_inference import SENSOR, scene  # noqa: E402
from bench.bench_resources import _peak_growth  # noqa: E402
from shared.spectral_library import generate_samples  # noqa: E402
from shared.surfaces import CLASS_CODES  # noqa: E402
from shared.training import SAMPLES_PER_CLASS, SEED  # noqa: E402
from tests.classify.scenes import tiff_bytes  # noqa: E402
from tests.support.apphost import AppHost  # noqa: E402
from tools.train import train_default_models  # noqa: E402

ROUNDS = 3
JSON_PIXELS = 1000
JSON_CALLS = 300
SPEED_TARGET = 5.0
MEMORY_TARGET = 2.5
LATENCY_TARGET_MS = 5.0


def naive_pipeline(body: bytes, forest: RandomForestClassifier) -> str:
    """The reference: read with tifffile, predict every valid pixel, summarise to JSON."""
    image = tifffile.imread(io.BytesIO(body))
    pixels = image.reshape(-1, image.shape[-1])
    valid = np.isfinite(pixels).all(axis=1)
    labels = forest.predict(pixels[valid])
    counts = {int(code): int((labels == code).sum()) for code in CLASS_CODES}
    total = int(valid.sum())
    return json.dumps({"shape": list(image.shape[:2]), "valid_pixels": total,
                       "classes": [{"code": code, "pixels": n, "coverage": n / total}
                                   for code, n in counts.items()]})


def served(api: httpx.Client, body: bytes) -> dict:
    response = api.post("/classify", content=body, headers={"Content-Type": "image/tiff"})
    response.raise_for_status()
    return response.json()


def timed(action, rounds: int = ROUNDS) -> tuple[float, object]:
    """Median wall time of ``rounds`` calls and the last result."""
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def json_handler_latency(model_dir: Path) -> float:
    """Median in-process handler time (ms) of a 1,000-pixel JSON request."""
    os.environ["MODEL_LOCAL_DIR"] = str(model_dir)
    from shared.settings import reload_settings
    reload_settings()
    main = importlib.import_module("ClassifyFunction").main
    features, _ = generate_samples(SENSOR, JSON_PIXELS, SEED + 11)
    rows = np.round(features[np.random.default_rng(1).permutation(len(features))[:JSON_PIXELS]]
                    .astype(float), 4).tolist()
    body = json.dumps({"pixels": rows, "sensor": SENSOR}).encode()
    request = func.HttpRequest("POST", "http://127.0.0.1/api/classify", body=body,
                               headers={"content-type": "application/json"})
    times = []
    for index in range(JSON_CALLS + 20):
        start = time.perf_counter()
        response = main(request)
        if index >= 20:  # the first calls load the model and warm caches
            times.append(time.perf_counter() - start)
    if response.status_code != 200:
        raise RuntimeError(response.get_body()[:300])
    return statistics.median(times) * 1000


def main() -> int:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as folder:
        model_dir = Path(folder) / "models"
        train_default_models(model_dir)
        body = tiff_bytes(scene(rng), geo=True)
        features, labels = generate_samples(SENSOR, SAMPLES_PER_CLASS, SEED)
        forest = RandomForestClassifier(n_estimators=32, random_state=SEED, n_jobs=-1
                                        ).fit(features, labels)
        with AppHost({"MODEL_LOCAL_DIR": str(model_dir)}) as host, \
                httpx.Client(base_url=host.base_url + "/api", timeout=600) as api:
            small = tiff_bytes(scene(np.random.default_rng(1))[:64], geo=True)
            for _ in range(3):
                served(api, small)
            growth = _peak_growth(host.process.pid, lambda: served(api, body))
            served_s, document = timed(lambda: served(api, body))
        naive_s, naive_json = timed(lambda: naive_pipeline(body, forest))
        latency_ms = json_handler_latency(model_dir)

    mib = 1024 * 1024
    megapixels = document["shape"][0] * document["shape"][1] / 1e6
    speedup = naive_s / served_s
    memory_ratio = growth / len(body)
    reference = {entry["code"]: entry["coverage"] for entry in json.loads(naive_json)["classes"]}
    print(f"scene: {document['shape'][0]} x {document['shape'][1]} x 5 float32 GeoTIFF, "
          f"{len(body) / mib:.1f} MiB, {megapixels:.2f} Mpx")
    print(f"naive reference (tifffile + RF(32).predict + JSON): {naive_s:6.2f} s  "
          f"({megapixels / naive_s:5.2f} Mpx/s)")
    print(f"served end to end over loopback (JSON summary):  {served_s:6.2f} s  "
          f"({megapixels / served_s:5.2f} Mpx/s)")
    print(f"speed-up: {speedup:.1f}x (target >= {SPEED_TARGET:.0f}x)")
    print("coverage served / reference: " + ", ".join(
        f"{entry['short']} {entry['coverage']:.3f}/{reference[entry['code']]:.3f}"
        for entry in document["classes"]))
    print(f"serving process peak RSS growth: {growth / mib:.1f} MiB = {memory_ratio:.2f}x body "
          f"(target <= {MEMORY_TARGET}x)")
    print(f"1,000-pixel JSON request, median handler time: {latency_ms:.2f} ms "
          f"(target <= {LATENCY_TARGET_MS:.0f} ms)")
    met = (speedup >= SPEED_TARGET and memory_ratio <= MEMORY_TARGET
           and latency_ms <= LATENCY_TARGET_MS)
    print("all targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
