"""Artifact integrity (verified before unpickling) and inference (masking, scaling, agreement)."""
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from shared.inference import classify_scene
from shared.model_artifact import (MANIFEST_FILE, MODEL_FILE, ArtifactError, load_artifact)
from shared.spectral_library import generate_samples


@pytest.fixture(scope="module")
def micasense(model_dir):
    return load_artifact(model_dir / "icesurf-micasense")


@pytest.fixture()
def artifact_copy(model_dir, tmp_path) -> Path:
    return Path(shutil.copytree(model_dir / "icesurf-micasense", tmp_path / "model"))


def test_manifest_describes_the_model(micasense):
    card = micasense.manifest
    assert card["sensor"] == "micasense" and card["wavelengths_nm"] == [475, 560, 668, 717, 840]
    assert len(card["sha256"]) == 64 and card["version"].endswith(card["sha256"][:12])
    assert {"sklearn_version", "numpy_version", "created", "classes", "training_data",
            "evaluation"} <= card.keys()


def test_tampered_model_file_is_refused(artifact_copy, monkeypatch):
    data = bytearray((artifact_copy / MODEL_FILE).read_bytes())
    data[-10] ^= 0xFF
    (artifact_copy / MODEL_FILE).write_bytes(bytes(data))
    import joblib

    monkeypatch.setattr(joblib, "load", lambda *a, **k: pytest.fail("unpickled an unverified file"))
    with pytest.raises(ArtifactError, match="altered"):
        load_artifact(artifact_copy)


def test_model_outside_the_allow_list_is_refused(artifact_copy):
    with pytest.raises(ArtifactError, match="MODEL_ALLOWED_SHA256"):
        load_artifact(artifact_copy, allowed_sha256=("0" * 64,))
    sha = json.loads((artifact_copy / MANIFEST_FILE).read_text())["sha256"]
    assert load_artifact(artifact_copy, allowed_sha256=(sha,)).sha256 == sha


def test_incompatible_scikit_learn_version_is_refused(artifact_copy):
    manifest = json.loads((artifact_copy / MANIFEST_FILE).read_text())
    manifest["sklearn_version"] = "0.20.1"
    (artifact_copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="scikit-learn 0.20.1"):
        load_artifact(artifact_copy)


def test_served_table_agrees_with_the_pipeline_exactly(micasense):
    rng = np.random.default_rng(3)
    library, _ = generate_samples("micasense", 2000, 11)
    # Library-like pixels, uniform noise over the whole range, and values exactly on bin edges.
    edges = np.tile(np.arange(29, dtype=np.float32)[:, None] / 28, (1, 5))
    pixels = np.concatenate([library, rng.random((20000, 5), dtype=np.float32) * 1.3 - 0.1, edges])
    assert np.array_equal(micasense.predict(pixels), micasense.forest.pipeline.predict(pixels))


def test_masking_scaling_and_statistics(micasense):
    rng = np.random.default_rng(5)
    reflectance, _ = generate_samples("micasense", 400, 12)
    image = reflectance[rng.permutation(len(reflectance))[:60 * 40]].reshape(60, 40, 5)
    digital = np.round(image * 10000).astype(np.uint16)
    digital[0, 0] = 0          # nodata in every band
    digital[1, 1, 2] = 0       # nodata in one band masks the pixel too
    result = classify_scene(micasense, digital, scale=10000, nodata=0)
    as_float = classify_scene(micasense, digital.astype(np.float32) / 10000, scale=1, nodata=None)
    assert result.class_map[0, 0] == 0 and result.class_map[1, 1] == 0
    assert np.isnan(result.albedo[0, 0]) and np.isnan(result.albedo[1, 1])
    assert result.valid_pixels == 60 * 40 - 2
    assert np.array_equal(result.class_map[2:], as_float.class_map[2:])
    assert sum(result.class_counts.values()) == result.valid_pixels
    assert sum(result.coverage.values()) == pytest.approx(1.0)
    weighted = sum(result.mean_albedo_by_class[c] * n for c, n in result.class_counts.items() if n)
    assert weighted / result.valid_pixels == pytest.approx(result.mean_albedo)
    summary = result.summary()
    assert summary["masked_pixels"] == 2 and len(summary["classes"]) == 6


def test_nan_and_inf_are_masked_not_classified(micasense):
    image = np.full((2, 3, 5), 0.5, dtype=np.float32)
    image[0, 0, 1] = np.nan
    image[0, 1, 4] = np.inf
    image[0, 2, 0] = -np.inf
    result = classify_scene(micasense, image, scale=1, nodata=None)
    assert result.class_map[0].tolist() == [0, 0, 0] and (result.class_map[1] > 0).all()
    assert result.valid_pixels == 3


def test_chunked_band_first_view_equals_whole(micasense, monkeypatch):
    rng = np.random.default_rng(8)
    band_first = rng.random((5, 300, 200), dtype=np.float32)
    image = band_first.transpose(1, 2, 0)  # a non-contiguous (H, W, B) view
    whole = classify_scene(micasense, np.ascontiguousarray(image), scale=1, nodata=None)
    import shared.inference as inference

    monkeypatch.setattr(inference, "CHUNK_PIXELS", 1000)
    chunked = classify_scene(micasense, image, scale=1, nodata=None)
    assert np.array_equal(whole.class_map, chunked.class_map)
    assert np.allclose(whole.albedo, chunked.albedo)


def test_wrong_band_count_is_an_error(micasense):
    with pytest.raises(ValueError, match="5 bands"):
        classify_scene(micasense, np.zeros((2, 2, 9), np.float32), scale=1, nodata=None)


def test_sentinel2_model_deduplicates_without_changing_labels(model_dir):
    model = load_artifact(model_dir / "icesurf-sentinel2")
    assert model.forest.table is None  # 28**9 cells: no table
    pixels, _ = generate_samples("sentinel2", 300, 21)
    pixels = np.concatenate([pixels, pixels[:50]])  # repeated pixels
    assert np.array_equal(model.predict(pixels), model.forest.pipeline.predict(pixels))
