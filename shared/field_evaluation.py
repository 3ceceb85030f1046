"""The field-derived part of the spectral library, and the model's accuracy on the same field spectra
measured leave one site out.

Four classes' library statistics (SN, CI, LA, HA) come from the 2017 field HCRF, which is also the
only labelled real data to test on. So each site is predicted by a model whose library was
re-derived without that site (its class's mean, SD and correlation recomputed from the remaining
sites). Water and cryoconite have no field spectra and are not scored.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from shared.field_spectra import (LabelledSamples, black_and_bloom_hcrf, labelled_samples_at,
                                  read_labels)
from shared.spectral_library import (LIBRARY, LIBRARY_WAVELENGTHS_NM, ClassStatistics,
                                     median_correlation, statistics_from_samples)
from shared.surfaces import SENSORS
from shared.training import Evaluation, evaluate, train_from_library

LABELS_FILE = "site_labels_2017.csv"
_MICASENSE_COLUMNS = [LIBRARY_WAVELENGTHS_NM.index(nm) for nm in SENSORS["micasense"].wavelengths_nm]


def field_library_samples(data_dir: Path) -> LabelledSamples:
    """Labelled 2017 field HCRF (ARF x albedo) at LIBRARY_WAVELENGTHS_NM, finite sites only."""
    return labelled_samples_at(black_and_bloom_hcrf(data_dir), read_labels(data_dir / LABELS_FILE),
                               LIBRARY_WAVELENGTHS_NM)


def field_class_statistics(samples: LabelledSamples, code: int, provenance: str,
                           exclude_site: str | None = None) -> ClassStatistics:
    """One class's library statistics from field samples (optionally without one site).

    The correlation is taken at the MicaSense band centres, for both sensors' generators.
    """
    rows = [i for i, (site, label) in enumerate(zip(samples.sites, samples.labels))
            if label == code and site != exclude_site]
    features = samples.features[rows]
    return statistics_from_samples(features, median_correlation(features[:, _MICASENSE_COLUMNS]),
                                   provenance)


def leave_one_site_out(data_dir: Path, sensor: str) -> Evaluation:
    samples = field_library_samples(data_dir)
    sensor_columns = [LIBRARY_WAVELENGTHS_NM.index(nm) for nm in SENSORS[sensor].wavelengths_nm]
    predicted = []
    for site, code, features in zip(samples.sites, samples.labels, samples.features):
        library = dict(LIBRARY)
        library[int(code)] = field_class_statistics(samples, int(code), "held out", site)
        model = train_from_library(sensor, library, compile_table=False)
        pixel = features[None, sensor_columns].astype(np.float32)
        predicted.append(int(model.predict(pixel)[0]))
    return evaluate(samples.labels, np.array(predicted))
