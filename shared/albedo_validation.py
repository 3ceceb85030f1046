"""How well the narrowband albedo formulas reproduce measured broadband albedo on field spectra.

Reference broadband albedo of each site: the measured spectral albedo (ASD, cosine collector,
350-2499 nm) weighted by a 5778 K black-body solar spectrum, with the water-vapour bands' noisy
values (outside [0, 1]) left out. This is an approximation of the true irradiance weighting (no
atmosphere), stated as such with the figures. The narrowband estimate applies the sensor's formula
to the same site's albedo at the band centres.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shared.albedo import broadband_albedo
from shared.field_spectra import read_spectra
from shared.surfaces import SENSORS

SUN_TEMPERATURE_K = 5778.0


def solar_weights(wavelengths_nm: np.ndarray) -> np.ndarray:
    """Planck spectral radiance at the Sun's temperature (relative)."""
    metres = wavelengths_nm * 1e-9
    h, c, k = 6.62607015e-34, 2.99792458e8, 1.380649e-23
    return 1.0 / (metres ** 5 * np.expm1(h * c / (metres * k * SUN_TEMPERATURE_K)))


@dataclass(frozen=True)
class AlbedoError:
    sensor: str
    sites: int
    bias: float
    mean_absolute_error: float
    rmse: float


def narrowband_albedo_error(data_dir: Path, sensor: str) -> AlbedoError:
    spectra = read_spectra(data_dir / "Albedo_master.csv")
    weights = solar_weights(spectra.wavelengths_nm)[:, None]
    clean = (spectra.values >= 0) & (spectra.values <= 1)
    reference = (np.where(clean, spectra.values, 0) * weights).sum(0) / (clean * weights).sum(0)
    bands = spectra.at(SENSORS[sensor].wavelengths_nm)
    usable = np.isfinite(bands).all(axis=1) & np.isfinite(reference)
    estimate = broadband_albedo(bands[usable], sensor)
    error = estimate - reference[usable]
    return AlbedoError(sensor, int(usable.sum()), float(error.mean()), float(np.abs(error).mean()),
                       float(np.sqrt((error ** 2).mean())))
