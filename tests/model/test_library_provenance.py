"""The spectral library: its field-derived entries are what the field spectra give, and the
generator is reproducible and centred on the library."""
from pathlib import Path

import numpy as np
import pytest

from shared.spectral_library import FIELD, LIBRARY, band_statistics, generate_samples
from shared.surfaces import CLASS_CODES

FIELD_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "ice_spectra"
FIELD_CLASSES = [code for code in CLASS_CODES
                 if LIBRARY[code].provenance.startswith(FIELD.split("{")[0])]


@pytest.mark.skipif(not FIELD_DATA.is_dir(), reason=f"field spectra not present at {FIELD_DATA}")
def test_field_entries_are_recomputed_from_the_field_spectra():
    from shared.field_evaluation import field_class_statistics, field_library_samples

    samples = field_library_samples(FIELD_DATA)
    assert FIELD_CLASSES == [1, 4, 5, 6]
    for code in FIELD_CLASSES:
        sites = int((samples.labels == code).sum())
        derived = field_class_statistics(samples, code, FIELD.format(n=sites))
        assert derived == LIBRARY[code], f"class {code}: library differs from the field spectra"


def test_generator_is_reproducible_and_centred_on_the_library():
    features, labels = generate_samples("sentinel2", 2000, seed=4)
    again, _ = generate_samples("sentinel2", 2000, seed=4)
    other, _ = generate_samples("sentinel2", 2000, seed=5)
    assert features.dtype == np.float32 and features.shape == (6 * 2000, 9)
    assert np.array_equal(features, again) and not np.array_equal(features, other)
    assert sorted(set(labels.tolist())) == list(CLASS_CODES)
    assert features.min() >= 0.001 and features.max() <= 1.2
    for code in CLASS_CODES:
        mean, sd = band_statistics(LIBRARY, code, "sentinel2")
        drawn = features[labels == code]
        unclipped = mean - 3 * sd > 0.001  # clipping lifts the mean of bands near zero
        error = np.abs(drawn.mean(axis=0) - mean)[unclipped]
        assert unclipped.any() and np.all(error <= 4 * (sd / np.sqrt(2000))[unclipped])
