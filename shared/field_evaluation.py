"""Accuracy of the library-trained model on real field spectra, leave one site out.

Four classes' library statistics come from the same field sites that serve as the test set, so each
site is predicted by a model whose library was re-derived without that site (its class's mean, SD
and correlation recomputed from the remaining sites). Water and cryoconite have no field spectra and
are not scored.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from shared.field_spectra import black_and_bloom_hcrf, labelled_band_samples, read_labels
from shared.spectral_library import (LIBRARY, LIBRARY_WAVELENGTHS_NM, median_correlation,
                                     statistics_from_samples)
from shared.surfaces import SENSORS
from shared.training import Evaluation, evaluate, train_from_library

LABELS_FILE = "site_labels_2017.csv"


def leave_one_site_out(data_dir: Path, sensor: str) -> Evaluation:
    spectra = black_and_bloom_hcrf(data_dir)
    labels = read_labels(data_dir / LABELS_FILE)
    samples = labelled_band_samples(spectra, labels, sensor)
    library_features = spectra.at(LIBRARY_WAVELENGTHS_NM)
    micasense_rows = [LIBRARY_WAVELENGTHS_NM.index(nm) for nm in SENSORS["micasense"].wavelengths_nm]
    predicted = []
    for site, code, features in zip(samples.sites, samples.labels, samples.features):
        rest = [i for i, other in enumerate(spectra.sites)
                if labels.get(other) == code and other != site
                and np.isfinite(library_features[i]).all()]
        rest_features = library_features[rest]
        library = dict(LIBRARY)
        library[int(code)] = statistics_from_samples(
            rest_features, median_correlation(rest_features[:, micasense_rows]), "held out")
        model = train_from_library(sensor, library, compile_table=False)
        predicted.append(int(model.predict(features[None, :].astype(np.float32))[0]))
    return evaluate(samples.labels, np.array(predicted))
