"""classify_scene's added memory stays below the input's size (outputs included)."""
import tracemalloc

import numpy as np
import pytest

from shared.inference import classify_scene
from shared.model_artifact import load_artifact
from shared.spectral_library import generate_samples


@pytest.mark.parametrize("dtype, scale", [(np.float32, 1.0), (np.uint16, 10000.0)])
def test_peak_added_memory_is_below_the_input_size(model_dir, dtype, scale):
    model = load_artifact(model_dir / "icesurf-micasense")
    library, _ = generate_samples("micasense", 1000, 9)
    rows = np.random.default_rng(1).integers(0, len(library), 2048 * 1024)
    image = (library[rows] * scale).astype(dtype).reshape(2048, 1024, 5)  # 2 Mpx: 40 / 20 MiB
    tracemalloc.start()
    try:
        result = classify_scene(model, image, scale=scale, nodata=None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    outputs = result.class_map.nbytes + result.albedo.nbytes
    assert result.valid_pixels == 2048 * 1024
    assert outputs < peak <= image.nbytes, f"peak {peak / 2**20:.1f} MiB"
