"""The spectral library the default models are trained on: per-class band reflectance statistics
and a seeded generator of samples from them.

Figures and provenance (reflectance = HCRF, at 1 nm band centres, mean and SD across sites):

* snow (SN), clean ice (CI), light algae (LA), heavy algae (HA): derived from the 2017 Black & Bloom
  field spectra near Russell Glacier (Cook et al. 2020, doi:10.5194/tc-14-309-2020; data MIT,
  jmcook1186/biosnicar-py), HCRF = ARF x albedo for the sites labelled in IceSurfClassifiers'
  training lists (SN 4, CI 12, LA 7, HA 18 sites). ``tools/evaluate.py --derive`` recomputes them.
  Because these sites are also the evaluation set, accuracy on them is reported leave-one-site-out
  (the held-out site's class statistics are recomputed without it before training).
* water (WAT) and cryoconite (CC): no 2017 field spectra exist for them (the 2016 ones are not
  licensed for reuse). Their figures are assumptions from the paper's descriptions: both have "flat
  spectral shapes" and low albedo (Table 3: WAT 0.08-0.31, CC 0.09-0.13); water absorbs strongly
  beyond 700 nm so its reflectance falls towards the NIR and is ~0 in the SWIR; cryoconite (dark
  mineral and organic sediment) rises slightly into the NIR. They are not validated on field data.

The generator draws, per class, ``mean + sd * (rho * z_shared + sqrt(1 - rho^2) * z_band)``: field
spectra vary largely in overall brightness, so bands are correlated; ``rho`` is the median inter-band
correlation of the class's field spectra at the MicaSense band centres (SN 0.996, CI 0.946, LA 0.683,
HA 0.814; assumed 0.9 for WAT and CC). Values are clipped to [0.001, 1.2].
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import numpy as np

from shared.surfaces import CLASS_CODES, SENSORS

LIBRARY_WAVELENGTHS_NM = (475, 490, 560, 665, 668, 705, 717, 740, 783, 840, 865, 1610, 2190)


@dataclass(frozen=True)
class ClassStatistics:
    mean: tuple[float, ...]  # one value per LIBRARY_WAVELENGTHS_NM
    sd: tuple[float, ...]
    correlation: float  # median inter-band correlation of the class's spectra
    provenance: str


FIELD = "2017 Black & Bloom field HCRF (Cook et al. 2020), {n} sites"
ASSUMED = "assumed from Cook et al. (2020) descriptions and Table 3 albedo; no field spectra"

LIBRARY: Mapping[int, ClassStatistics] = {
    1: ClassStatistics(
        (0.806, 0.806, 0.801, 0.775, 0.774, 0.759, 0.750, 0.734, 0.681, 0.668, 0.634, 0.036, 0.044),
        (0.085, 0.086, 0.089, 0.110, 0.110, 0.122, 0.127, 0.136, 0.165, 0.171, 0.186, 0.049, 0.066),
        0.996, FIELD.format(n=4)),
    2: ClassStatistics(
        (0.240, 0.235, 0.200, 0.110, 0.108, 0.085, 0.075, 0.060, 0.045, 0.035, 0.030, 0.005, 0.004),
        (0.060, 0.060, 0.055, 0.040, 0.040, 0.030, 0.028, 0.022, 0.018, 0.015, 0.013, 0.003, 0.003),
        0.9, ASSUMED),
    3: ClassStatistics(
        (0.075, 0.078, 0.090, 0.105, 0.105, 0.112, 0.115, 0.120, 0.125, 0.130, 0.132, 0.090, 0.070),
        (0.025, 0.025, 0.028, 0.030, 0.030, 0.032, 0.032, 0.033, 0.034, 0.035, 0.035, 0.030, 0.025),
        0.9, ASSUMED),
    4: ClassStatistics(
        (0.659, 0.659, 0.648, 0.625, 0.624, 0.612, 0.604, 0.588, 0.542, 0.526, 0.493, 0.013, 0.012),
        (0.073, 0.073, 0.074, 0.072, 0.072, 0.070, 0.069, 0.069, 0.065, 0.065, 0.064, 0.006, 0.004),
        0.946, FIELD.format(n=12)),
    5: ClassStatistics(
        (0.439, 0.438, 0.426, 0.413, 0.412, 0.407, 0.400, 0.379, 0.347, 0.331, 0.302, 0.010, 0.009),
        (0.041, 0.041, 0.040, 0.042, 0.042, 0.050, 0.055, 0.070, 0.073, 0.079, 0.079, 0.003, 0.003),
        0.683, FIELD.format(n=7)),
    6: ClassStatistics(
        (0.221, 0.222, 0.219, 0.238, 0.238, 0.256, 0.256, 0.250, 0.234, 0.232, 0.207, 0.010, 0.009),
        (0.052, 0.052, 0.051, 0.051, 0.051, 0.051, 0.050, 0.052, 0.055, 0.059, 0.060, 0.004, 0.004),
        0.814, FIELD.format(n=18)),
}


def median_correlation(features: np.ndarray) -> float:
    """Median correlation between the bands of field samples (sites x bands)."""
    matrix = np.corrcoef(features.T)
    return float(np.median(matrix[np.triu_indices(len(matrix), 1)]))


def statistics_from_samples(features: np.ndarray, correlation: float,
                            provenance: str) -> ClassStatistics:
    """Class statistics from field samples at LIBRARY_WAVELENGTHS_NM (sites x wavelengths)."""
    return ClassStatistics(tuple(features.mean(axis=0).round(3).tolist()),
                           tuple(features.std(axis=0, ddof=1).round(3).tolist()),
                           round(correlation, 3), provenance)


def band_statistics(library: Mapping[int, ClassStatistics], code: int, sensor: str
                    ) -> tuple[np.ndarray, np.ndarray]:
    """(mean, sd) of one class at the sensor's band centres."""
    columns = [LIBRARY_WAVELENGTHS_NM.index(nm) for nm in SENSORS[sensor].wavelengths_nm]
    stats = library[code]
    return np.array(stats.mean)[columns], np.array(stats.sd)[columns]


def generate_samples(sensor: str, per_class: int, seed: int,
                     library: Mapping[int, ClassStatistics] = LIBRARY
                     ) -> tuple[np.ndarray, np.ndarray]:
    """(features float32 (n, bands), labels int64 (n,)): ``per_class`` samples of every class."""
    rng = np.random.default_rng(seed)
    features, labels = [], []
    for code in CLASS_CODES:
        mean, sd = band_statistics(library, code, sensor)
        rho = library[code].correlation
        shared_part = rng.standard_normal((per_class, 1))
        own_part = rng.standard_normal((per_class, len(mean)))
        draw = mean + sd * (rho * shared_part + np.sqrt(1 - rho * rho) * own_part)
        features.append(np.clip(draw, 0.001, 1.2))
        labels.append(np.full(per_class, code, dtype=np.int64))
    return np.concatenate(features).astype(np.float32), np.concatenate(labels)
