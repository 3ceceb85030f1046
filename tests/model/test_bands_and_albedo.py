"""Sensors, scaling and the albedo formulas, against hand-computed values."""
import numpy as np
import pytest

from shared.albedo import broadband_albedo, knap_micasense, liang_sentinel2
from shared.surfaces import CLASSES, SENSORS, default_scale


def test_sensor_band_orders_are_the_papers():
    assert SENSORS["micasense"].wavelengths_nm == (475, 560, 668, 717, 840)
    assert SENSORS["sentinel2"].band_names == ("B02", "B03", "B04", "B05", "B06", "B07", "B8A",
                                               "B11", "B12")
    assert SENSORS["sentinel2"].wavelengths_nm == (490, 560, 665, 705, 740, 783, 865, 1610, 2190)
    assert [c.code for c in CLASSES] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("sensor, dtype, expected", [
    ("sentinel2", np.uint16, 10000.0), ("sentinel2", np.float32, 1.0),
    ("micasense", np.uint16, 65535.0), ("micasense", np.float64, 1.0)])
def test_default_scale(sensor, dtype, expected):
    assert default_scale(sensor, np.dtype(dtype)) == expected


def test_liang_uses_b02_b04_b8a_b11_b12():
    pixel = np.array([0.5, 0.6, 0.4, 0.45, 0.5, 0.52, 0.55, 0.1, 0.05])
    expected = 0.356 * 0.5 + 0.130 * 0.4 + 0.373 * 0.55 + 0.085 * 0.1 + 0.072 * 0.05 - 0.0018
    assert liang_sentinel2(pixel) == pytest.approx(expected)
    # Only B03 and B05 set: the original code's shifted indices would give a positive albedo.
    shifted = np.zeros(9)
    shifted[[1, 3]] = 0.8
    assert liang_sentinel2(shifted) == 0.0


def test_knap_literature_form_with_green_and_nir():
    pixel = np.array([0.7, 0.6, 0.55, 0.5, 0.45])  # 475, 560, 668, 717, 840 nm
    g, n = 0.6, 0.45
    expected = 0.726 * g - 0.322 * g ** 2 - 0.015 * n + 0.581 * n ** 2
    assert knap_micasense(pixel) == pytest.approx(expected)
    assert broadband_albedo(pixel[None, :], "micasense")[0] == pytest.approx(expected)


def test_albedo_is_clipped_to_unit_interval():
    assert liang_sentinel2(np.zeros(9)) == 0.0
    assert knap_micasense(np.full(5, 5.0)) == 1.0
