"""Classify a reflectance scene: class map, coverage, broadband albedo; in bounded memory.

The scene is processed in blocks of rows (about ``CHUNK_PIXELS`` pixels each, or a sixteenth of a
smaller scene), so besides the two output maps (1 + 4 bytes per pixel) only one block's float32
reflectance, indices and albedo terms (~48 bytes per pixel) are alive at a time, whatever the
scene's size. Added memory thus stays below the input's size for float32 and 16-bit scenes (not
for 8-bit ones: their outputs alone match the input). A pixel is masked (class 0, albedo NaN) when any band is NaN or
infinite or equals ``nodata``; masked pixels are never classified and count in no statistic.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from shared.albedo import broadband_albedo
from shared.model_artifact import LoadedModel
from shared.quantized_forest import KeyMemo
from shared.surfaces import CLASS_BY_CODE, CLASS_CODES, NODATA_CLASS

CHUNK_PIXELS = 1 << 18
MIN_CHUNK_PIXELS = 1 << 14
_SNOW = 1


@dataclass(frozen=True)
class ClassificationResult:
    class_map: np.ndarray        # (H, W) uint8, NODATA_CLASS where masked
    albedo: np.ndarray           # (H, W) float32, NaN where masked
    sensor: str
    valid_pixels: int
    class_counts: dict[int, int]
    mean_albedo: float | None
    mean_albedo_by_class: dict[int, float | None]

    @property
    def coverage(self) -> dict[int, float]:
        """Fraction of the valid pixels in each class."""
        total = self.valid_pixels
        return {code: (n / total if total else 0.0) for code, n in self.class_counts.items()}

    def coverage_excluding_snow(self) -> dict[int, float]:
        """Non-snow coverage over non-snow valid pixels (how the paper reports Sentinel-2 scenes)."""
        total = self.valid_pixels - self.class_counts[_SNOW]
        return {code: (n / total if total else 0.0)
                for code, n in self.class_counts.items() if code != _SNOW}

    def summary(self) -> dict[str, Any]:
        height, width = self.class_map.shape
        without_snow = self.coverage_excluding_snow()
        return {
            "shape": [height, width],
            "sensor": self.sensor,
            "valid_pixels": self.valid_pixels,
            "masked_pixels": height * width - self.valid_pixels,
            "mean_albedo": self.mean_albedo,
            "classes": [
                {"code": code, "short": CLASS_BY_CODE[code].short, "name": CLASS_BY_CODE[code].name,
                 "pixels": self.class_counts[code], "coverage": self.coverage[code],
                 "coverage_excluding_snow": without_snow.get(code),
                 "mean_albedo": self.mean_albedo_by_class[code]}
                for code in CLASS_CODES],
        }


def _valid_mask(pixels: np.ndarray, reflectance: np.ndarray, nodata: float | None) -> np.ndarray:
    valid = np.isfinite(reflectance).all(axis=1)
    if nodata is not None and not np.isnan(nodata):
        valid &= ~(pixels == nodata).any(axis=1)
    return valid


def classify_scene(model: LoadedModel, image: np.ndarray, *, scale: float,
                   nodata: float | None) -> ClassificationResult:
    """Classify ``image`` (H, W, bands; any numeric dtype; reflectance = value / ``scale``)."""
    height, width, bands = image.shape
    expected = model.forest.band_count
    if bands != expected:
        raise ValueError(f"the model reads {expected} bands, the image has {bands}")
    class_map = np.zeros((height, width), dtype=np.uint8)
    albedo = np.full((height, width), np.nan, dtype=np.float32)
    counts = np.zeros(max(CLASS_CODES) + 1, dtype=np.int64)
    albedo_sums = np.zeros(max(CLASS_CODES) + 1, dtype=np.float64)
    block_pixels = min(CHUNK_PIXELS, max(MIN_CHUNK_PIXELS, height * width // 16))
    rows = max(1, block_pixels // max(width, 1))
    divisor = np.float32(scale)
    memo = KeyMemo()  # distinct keys predicted once per scene (models without a table)
    for top in range(0, height, rows):
        pixels = image[top:top + rows].reshape(-1, bands)
        reflectance = pixels.astype(np.float32)  # a copy of one block only
        if divisor != 1:
            reflectance /= divisor
        valid = _valid_mask(pixels, reflectance, nodata)
        codes = model.predict(reflectance, valid, memo)
        with np.errstate(invalid="ignore"):  # inf - inf in masked pixels
            block_albedo = broadband_albedo(reflectance, model.sensor).astype(np.float32,
                                                                               copy=False)
        block_albedo[~valid] = np.nan
        class_map[top:top + rows] = codes.reshape(-1, width)
        albedo[top:top + rows] = block_albedo.reshape(-1, width)
        counts += np.bincount(codes, minlength=len(counts))
        albedo_sums += np.bincount(codes[valid], weights=block_albedo[valid], minlength=len(counts))
    valid_pixels = int(counts.sum() - counts[NODATA_CLASS])
    return ClassificationResult(
        class_map=class_map, albedo=albedo, sensor=model.sensor, valid_pixels=valid_pixels,
        class_counts={code: int(counts[code]) for code in CLASS_CODES},
        mean_albedo=float(albedo_sums.sum() / valid_pixels) if valid_pixels else None,
        mean_albedo_by_class={code: (float(albedo_sums[code] / counts[code]) if counts[code] else None)
                              for code in CLASS_CODES},
    )

