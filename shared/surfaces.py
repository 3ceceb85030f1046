"""The domain's fixed vocabulary: surface classes and the sensors whose bands the models read.

Classes and codes follow Cook et al. (2020) and the IceSurfClassifiers code (``key`` attribute
"Snow:1; Water:2; Cryoconite:3; Clean Ice:4; Light Algae:5; Heavy Algae:6"). Code 0 marks pixels
that were masked (NaN, Inf, the nodata value) and never classified.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NODATA_CLASS = 0


@dataclass(frozen=True)
class SurfaceClass:
    code: int
    short: str
    name: str
    colour: tuple[int, int, int]


# Map colours follow the original maps (white, royal blue, black, light sky blue, medium sea green,
# dark green), with cryoconite a dark grey so it stays visible on the black nodata background.
CLASSES: tuple[SurfaceClass, ...] = (
    SurfaceClass(1, "SN", "snow", (255, 255, 255)),
    SurfaceClass(2, "WAT", "water", (65, 105, 225)),
    SurfaceClass(3, "CC", "cryoconite", (64, 64, 64)),
    SurfaceClass(4, "CI", "clean ice", (135, 206, 250)),
    SurfaceClass(5, "LA", "light algae", (60, 179, 113)),
    SurfaceClass(6, "HA", "heavy algae", (0, 100, 0)),
)
CLASS_BY_CODE: dict[int, SurfaceClass] = {c.code: c for c in CLASSES}
CLASS_CODES: tuple[int, ...] = tuple(c.code for c in CLASSES)


@dataclass(frozen=True)
class Sensor:
    """A sensor's band order (the model's feature order) and how its pixel values become reflectance.

    ``integer_scale``: integer pixels are divided by it to give reflectance (Sentinel-2 L2A digital
    numbers / 10000; MicaSense reflectance exported as uint16 / 65535 by Agisoft/Pix4D-style
    workflows). Float pixels are taken as reflectance already (scale 1).
    """

    name: str
    band_names: tuple[str, ...]
    wavelengths_nm: tuple[int, ...]
    integer_scale: float

    @property
    def band_count(self) -> int:
        return len(self.band_names)


SENSORS: dict[str, Sensor] = {
    "micasense": Sensor("micasense", ("blue", "green", "red", "red_edge", "nir"),
                        (475, 560, 668, 717, 840), 65535.0),
    "sentinel2": Sensor("sentinel2", ("B02", "B03", "B04", "B05", "B06", "B07", "B8A", "B11", "B12"),
                        (490, 560, 665, 705, 740, 783, 865, 1610, 2190), 10000.0),
}


def default_scale(sensor: str, dtype: np.dtype) -> float:
    """Divisor turning pixel values into reflectance when the request gives no ``scale``."""
    return SENSORS[sensor].integer_scale if np.issubdtype(np.dtype(dtype), np.integer) else 1.0
