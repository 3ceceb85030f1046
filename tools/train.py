"""Train the default models (one per sensor) into artifact directories.

    python -m tools.train --out build/models               # both sensors
    python -m tools.train --sensor micasense --out DIR

Reproducible: fixed seeds and a library carried in the code give the same model file (and so the
same version) on every run with the same scikit-learn. Results are cached under ``.cache/models``
keyed by the hash of the training code and library, so ``make run`` and the tests train only once.
"""
from __future__ import annotations

import argparse
import hashlib
import shutil
import tempfile
from pathlib import Path

import numpy as np
import sklearn

import shared
from shared.model_artifact import save_artifact
from shared.spectral_library import LIBRARY, generate_samples
from shared.surfaces import CLASSES, SENSORS
from shared.training import QUANTIZER, SAMPLES_PER_CLASS, SEED, TREES, evaluate, train_from_library

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CACHE = PROJECT_ROOT / ".cache" / "models"
FIELD_DATA = PROJECT_ROOT.parent / "shared" / "data" / "ice_spectra"
TRAINING_SOURCES = tuple(f"shared/{name}.py" for name in (
    "__init__", "spectral_library", "training", "quantized_forest", "surfaces", "model_artifact",
    "field_spectra", "field_evaluation")) + ("tools/train.py",)


def model_name(sensor: str) -> str:
    return f"icesurf-{sensor}"


def _metrics(sensor: str) -> dict:
    """Synthetic held-out figures always; field figures (leave one site out) where the data is."""
    forest = train_from_library(sensor, compile_table=False)
    features, labels = generate_samples(sensor, 200, SEED + 1)
    metrics = {"synthetic_holdout": evaluate(labels, forest.predict(features)).as_dict()}
    if FIELD_DATA.is_dir():
        from shared.field_evaluation import leave_one_site_out
        metrics["field_leave_one_site_out"] = leave_one_site_out(FIELD_DATA, sensor).as_dict()
    return metrics


def train(sensor: str, out_dir: Path) -> Path:
    """Train, compile and save one sensor's default model; returns its artifact directory."""
    target = out_dir / model_name(sensor)
    band_info = SENSORS[sensor]
    save_artifact(target, train_from_library(sensor), model_name(sensor), {
        "sensor": sensor,
        "bands": list(band_info.band_names),
        "wavelengths_nm": list(band_info.wavelengths_nm),
        "classes": [{"code": c.code, "short": c.short, "name": c.name} for c in CLASSES],
        "nodata_class": 0,
        "model": {"form": "Pipeline(BandQuantizer, RandomForestClassifier) compiled to a table",
                  "trees": TREES, "quantizer": QUANTIZER, "seed": SEED},
        "training_data": {
            "description": "Synthetic samples of the spectral library (shared/spectral_library.py): "
                           "SN/CI/LA/HA statistics from the 2017 Black & Bloom field HCRF (Cook et "
                           "al. 2020), WAT/CC assumed from the paper's descriptions.",
            "samples_per_class": SAMPLES_PER_CLASS,
            "provenance": {c.short: LIBRARY[c.code].provenance for c in CLASSES}},
        "evaluation": _metrics(sensor),
        "app_version": shared.__version__,
    })
    return target


def _cache_key() -> str:
    digest = hashlib.sha256()
    for name in TRAINING_SOURCES:
        digest.update((PROJECT_ROOT / name).read_bytes())
    digest.update(f"{sklearn.__version__} {np.__version__} {FIELD_DATA.is_dir()}".encode())
    return digest.hexdigest()[:16]


def _complete(cached: Path) -> bool:
    return all((cached / model_name(s) / "manifest.json").exists() for s in SENSORS)


def _train_into_cache(cached: Path) -> None:
    """Train in a private staging folder, then publish it with one atomic rename.

    Several processes (parallel test sessions, ``make run``) may train the same key at once: each
    stages its own folder; the first rename wins and the others' identical results are dropped.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f"{cached.name}.", suffix=".partial", dir=CACHE))
    try:
        for sensor in SENSORS:
            train(sensor, staging)
        if cached.exists() and not _complete(cached):
            shutil.rmtree(cached, ignore_errors=True)  # left by an older, non-atomic version
        try:
            staging.rename(cached)
        except OSError:
            if not _complete(cached):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def train_default_models(out_dir: Path) -> dict[str, Path]:
    """Both sensors' default models in ``out_dir/icesurf-<sensor>/`` (trained once, then cached)."""
    cached = CACHE / _cache_key()
    if not _complete(cached):
        _train_into_cache(cached)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = {}
    for sensor in SENSORS:
        result[sensor] = out_dir / model_name(sensor)
        shutil.copytree(cached / model_name(sensor), result[sensor], dirs_exist_ok=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sensor", choices=sorted(SENSORS), help="one sensor (default: both)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the artifact folders")
    args = parser.parse_args()
    paths = {args.sensor: train(args.sensor, args.out)} if args.sensor else \
        train_default_models(args.out)
    for sensor, path in paths.items():
        print(f"{sensor}: {path}")


if __name__ == "__main__":
    main()
