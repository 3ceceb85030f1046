"""Served inference vs scikit-learn's own predict on the original model form, in one run.

* baseline: ``RandomForestClassifier(n_estimators=32)`` with default settings, trained on the same
  library samples as the served model, ``predict`` on the raw float32 reflectance of the scene;
* served: ``classify_scene`` with the default model (MicaSense: quantised forest compiled to a
  table; Sentinel-2: quantised keys deduplicated per block, the forest predicting each distinct key
  once) on the same scene — class map, albedo map and all statistics, not only labels.

The scene: 2048 x 2048 pixels (4 Mpx; 80 MiB for 5 float32 bands) drawn from the library with
noise. Also printed: label agreement of the served model with its own pipeline's ``predict`` (must
be 100 %), and the peak memory ``classify_scene`` allocates (tracemalloc tracks NumPy buffers)
against the input size. The pass/fail targets (>= 10x, 100 %, <= 1x input) apply to MicaSense;
the Sentinel-2 figures are reported. Run: ``.venv/bin/python -m bench.bench_inference``.
"""
from __future__ import annotations

import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestClassifier

from shared.inference import classify_scene
from shared.model_artifact import LoadedModel, load_artifact
from shared.spectral_library import generate_samples
from shared.training import SAMPLES_PER_CLASS, SEED
from tools.train import model_name, train_default_models

SIDE = 2048
SENSOR = "micasense"
SPEED_TARGET = 10.0


def scene(rng: np.random.Generator, sensor: str = SENSOR) -> np.ndarray:
    features, _ = generate_samples(sensor, 5000, SEED + 7)
    pixels = features[rng.integers(0, len(features), SIDE * SIDE)]
    pixels += rng.normal(0, 0.01, pixels.shape).astype(np.float32)
    return pixels.reshape(SIDE, SIDE, -1)


def compare(model: LoadedModel) -> bool:
    """Print one sensor's figures; True when they meet the targets."""
    image = scene(np.random.default_rng(0), model.sensor)
    features, labels = generate_samples(model.sensor, SAMPLES_PER_CLASS, SEED)
    original = RandomForestClassifier(n_estimators=32, random_state=SEED).fit(features, labels)

    start = time.perf_counter()
    original.predict(image.reshape(-1, image.shape[2]))
    baseline_s = time.perf_counter() - start

    classify_scene(model, image[:64], scale=1.0, nodata=None)  # warm-up
    tracemalloc.start()
    start = time.perf_counter()
    result = classify_scene(model, image, scale=1.0, nodata=None)
    served_s = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    sample = image.reshape(-1, image.shape[2])[:: 16]
    agreement = float((model.predict(sample) == model.forest.pipeline.predict(sample)).mean())
    megapixels = SIDE * SIDE / 1e6
    print(f"{model.sensor}: scene {SIDE}x{SIDE}x{image.shape[2]} float32 "
          f"({image.nbytes / 2**20:.0f} MiB), {result.valid_pixels} valid pixels")
    print(f"  baseline sklearn RandomForest(32).predict: {baseline_s:.2f} s "
          f"({megapixels / baseline_s:.1f} Mpx/s)")
    print(f"  served classify_scene (classes+albedo+stats): {served_s:.3f} s "
          f"({megapixels / served_s:.1f} Mpx/s)")
    print(f"  speed-up: {baseline_s / served_s:.1f}x (target >= {SPEED_TARGET:g}x for micasense)")
    print(f"  served labels == own pipeline.predict on {len(sample)} px: {agreement * 100:.3f} %")
    print(f"  peak memory allocated by classify_scene: {peak / 2**20:.1f} MiB = "
          f"{peak / image.nbytes:.2f}x the input (target <= 1x)")
    return baseline_s / served_s >= SPEED_TARGET and agreement == 1.0 and peak <= image.nbytes


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        paths = train_default_models(Path(folder))
        models = {sensor: load_artifact(path) for sensor, path in paths.items()}
    passed = compare(models[SENSOR])
    compare(models["sentinel2"])  # reported, no target
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
