"""Narrowband-to-broadband albedo, implemented as published (not as the original code had it).

* Sentinel-2, Liang (2001) as applied to Sentinel-2 by Naegeli et al. (2017):
  ``a = 0.356 B02 + 0.130 B04 + 0.373 B8A + 0.085 B11 + 0.072 B12 - 0.0018``.
  The original classifier indexed B03 and B05 for the blue and red terms; here the bands are taken
  by name from the sensor's band order, so that shift cannot happen.
* UAV (MicaSense), Knap, Reijmer & Oerlemans (1999) for Landsat TM2 (green) and TM4 (near infrared):
  ``a = 0.726 g - 0.322 g^2 - 0.015 n + 0.581 n^2``. ``g`` is the 560 nm band and ``n`` the 840 nm
  band, the MicaSense band inside TM4's 760-900 nm. The original code used the 717 nm red edge,
  left the last term unsquared and subtracted calibration offsets twice; none of that is repeated.

Inputs are reflectance (0-1). Outputs are clipped to [0, 1]: the formulas are regressions and can
leave that range slightly for extreme inputs.
"""
from __future__ import annotations

import numpy as np

from shared.surfaces import SENSORS


def _band(pixels: np.ndarray, sensor: str, name: str) -> np.ndarray:
    return pixels[..., SENSORS[sensor].band_names.index(name)]


def liang_sentinel2(pixels: np.ndarray) -> np.ndarray:
    """Liang (2001) broadband albedo from Sentinel-2 reflectance (last axis in SENSORS order)."""
    b = lambda name: _band(pixels, "sentinel2", name)  # noqa: E731
    albedo = (0.356 * b("B02") + 0.130 * b("B04") + 0.373 * b("B8A") + 0.085 * b("B11")
              + 0.072 * b("B12") - 0.0018)
    return np.clip(albedo, 0.0, 1.0)


def knap_micasense(pixels: np.ndarray) -> np.ndarray:
    """Knap et al. (1999) broadband albedo from MicaSense reflectance (green 560, NIR 840 nm)."""
    green = _band(pixels, "micasense", "green")
    nir = _band(pixels, "micasense", "nir")
    albedo = 0.726 * green - 0.322 * green * green - 0.015 * nir + 0.581 * nir * nir
    return np.clip(albedo, 0.0, 1.0)


ALBEDO_FORMULAS = {"sentinel2": liang_sentinel2, "micasense": knap_micasense}


def broadband_albedo(pixels: np.ndarray, sensor: str) -> np.ndarray:
    """Broadband albedo of reflectance ``pixels`` (..., bands) with the sensor's formula."""
    return ALBEDO_FORMULAS[sensor](pixels)
