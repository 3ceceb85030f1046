"""A small synthetic ice-sheet scene with a known layout of every surface class, for the client,
command-line and browser tests (and the pictures in docs/client.md).

Each region's pixels are its class's mean band reflectance from the spectral library the default
models are trained on, plus a little noise, so the expected class map is known.
"""
from __future__ import annotations

import numpy as np

from shared.spectral_library import LIBRARY, band_statistics
from shared.surfaces import NODATA_CLASS


def demo_layout(size: int = 64) -> np.ndarray:
    """The class codes (size x size): clean ice with a snow patch, a melt pond, algae bands,
    cryoconite holes, and a masked strip along the right edge."""
    rows, cols = np.mgrid[0:size, 0:size] / size
    codes = np.full((size, size), 4, np.uint8)                          # clean ice
    codes[(rows - 0.2) ** 2 + (cols - 0.25) ** 2 < 0.03] = 1            # snow patch
    codes[(rows - 0.7) ** 2 / 0.02 + (cols - 0.7) ** 2 / 0.05 < 1] = 2  # melt pond
    band = np.sin(cols * 9 + rows * 4)
    codes[(band > 0.55) & (codes == 4)] = 5                             # light algae
    codes[(band > 0.85) & (codes == 5)] = 6                             # heavy algae
    rng = np.random.default_rng(11)
    holes = rng.random((size, size)) < 0.02
    codes[holes & (codes == 4)] = 3                                     # cryoconite holes
    codes[:, -max(1, size // 16):] = NODATA_CLASS                       # masked strip
    return codes


def demo_scene(sensor: str = "micasense", size: int = 64, seed: int = 5
               ) -> tuple[np.ndarray, np.ndarray]:
    """(reflectance float32 H x W x bands with NaN where masked, expected class codes H x W)."""
    codes = demo_layout(size)
    rng = np.random.default_rng(seed)
    bands = len(band_statistics(LIBRARY, 1, sensor)[0])
    scene = np.full((size, size, bands), np.nan, np.float32)
    for code in np.unique(codes):
        if code == NODATA_CLASS:
            continue
        mean, sd = band_statistics(LIBRARY, int(code), sensor)
        where = codes == code
        noise = rng.standard_normal((int(where.sum()), bands)) * sd * 0.15
        scene[where] = np.clip(mean + noise, 0.001, 1.2)
    return scene, codes


def write_example(path: str) -> None:
    """Write the demo scene as the example GeoTIFF shipped with the client (docs/client.md)."""
    from tests.classify.scenes import tiff_bytes

    scene, _ = demo_scene()
    with open(path, "wb") as file:
        file.write(tiff_bytes(scene, geo=True, compression="zlib"))


if __name__ == "__main__":  # python -m tests.client.demo_scene icesurf/examples/demo-scene.tif
    import sys

    write_example(sys.argv[1])
