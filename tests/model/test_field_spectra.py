"""The loader for users' own spectra, and the accuracy targets on the real field spectra."""
import json
from pathlib import Path

import numpy as np
import pytest

from shared.field_spectra import labelled_band_samples, read_labels, read_spectra

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIELD_DATA = PROJECT_ROOT.parent / "shared" / "data" / "ice_spectra"
needs_field_data = pytest.mark.skipif(not FIELD_DATA.is_dir(),
                                      reason=f"field spectra not present at {FIELD_DATA}")


def test_user_spectra_layout(tmp_path):
    rows = ["Wavelength,site_a,site_b,site_c,site_a"]
    for nm in range(400, 900):
        rows.append(f"{nm},{nm / 1000},{0.2},{''},{9}")
    (tmp_path / "spectra.csv").write_text("\n".join(rows))
    (tmp_path / "labels.csv").write_text("site_id,label\nsite_a,CI\nsite_b,6\nsite_c,5;2\n")
    spectra = read_spectra(tmp_path / "spectra.csv")
    assert spectra.sites == ("site_a", "site_b", "site_c")  # the duplicate column is dropped
    labels = read_labels(tmp_path / "labels.csv")
    assert labels == {"site_a": 4, "site_b": 6}
    with pytest.raises(ValueError, match="1610 nm"):
        labelled_band_samples(spectra, labels, "sentinel2")  # the spectra stop at 899 nm
    samples = labelled_band_samples(spectra, labels, "micasense")
    assert samples.sites == ("site_a", "site_b")
    assert np.allclose(samples.features[0], [0.475, 0.560, 0.668, 0.717, 0.840])


@needs_field_data
@pytest.mark.parametrize("sensor", ["micasense", "sentinel2"])
def test_leave_one_site_out_weighted_f1_meets_the_paper(model_dir, sensor):
    """Training computed these figures (shared.field_evaluation) into the served model's manifest."""
    manifest = json.loads((model_dir / f"icesurf-{sensor}" / "manifest.json").read_text())
    figures = manifest["evaluation"]["field_leave_one_site_out"]
    assert figures["support"] == {"SN": 4, "CI": 12, "LA": 7, "HA": 18}
    assert figures["f1_weighted"] >= 0.90


@needs_field_data
@pytest.mark.parametrize("sensor", ["micasense", "sentinel2"])
def test_narrowband_albedo_reproduces_measured_broadband(sensor):
    from shared.albedo_validation import narrowband_albedo_error

    error = narrowband_albedo_error(FIELD_DATA, sensor)
    assert error.sites >= 80 and error.rmse < 0.03
