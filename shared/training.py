"""Training and evaluation of the served model form (see :mod:`shared.quantized_forest`).

The default models are trained on samples of the spectral library (:mod:`shared.spectral_library`)
with fixed seeds, so the same code gives the same model file, byte for byte.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                             precision_recall_fscore_support)
from sklearn.pipeline import Pipeline

from shared.quantized_forest import BandQuantizer, QuantizedForest
from shared.spectral_library import ClassStatistics, LIBRARY, generate_samples
from shared.surfaces import CLASS_BY_CODE, CLASS_CODES

TREES = 32
SAMPLES_PER_CLASS = 600
SEED = 20170721  # the UAV flight of Cook et al. (2020), 21 July 2017
QUANTIZER = dict(bins=28, low=0.0, high=1.0)


def fit_pipeline(features: np.ndarray, labels: np.ndarray, seed: int = SEED) -> Pipeline:
    forest = RandomForestClassifier(n_estimators=TREES, random_state=seed, n_jobs=-1)
    return Pipeline([("quantize", BandQuantizer(**QUANTIZER)), ("forest", forest)]).fit(
        features, labels)


def train_from_library(sensor: str, library: Mapping[int, ClassStatistics] = LIBRARY,
                       seed: int = SEED, compile_table: bool = True) -> Pipeline | QuantizedForest:
    """The pipeline fitted on library samples; compiled into a QuantizedForest when asked."""
    features, labels = generate_samples(sensor, SAMPLES_PER_CLASS, seed, library)
    pipeline = fit_pipeline(features, labels, seed)
    return QuantizedForest(pipeline) if compile_table else pipeline


@dataclass(frozen=True)
class Evaluation:
    labels_present: tuple[int, ...]
    accuracy: float
    precision_weighted: float
    recall_weighted: float
    f1_weighted: float
    f1_per_class: dict[int, float]
    support: dict[int, int]
    confusion: np.ndarray  # rows true, columns predicted, over all CLASS_CODES

    def as_dict(self) -> dict[str, Any]:
        short = lambda code: CLASS_BY_CODE[code].short  # noqa: E731
        return {
            "accuracy": round(self.accuracy, 4),
            "precision_weighted": round(self.precision_weighted, 4),
            "recall_weighted": round(self.recall_weighted, 4),
            "f1_weighted": round(self.f1_weighted, 4),
            "f1_per_class": {short(c): round(v, 4) for c, v in self.f1_per_class.items()},
            "support": {short(c): n for c, n in self.support.items()},
            "confusion_matrix": {"labels": [short(c) for c in CLASS_CODES],
                                 "rows_true_columns_predicted": self.confusion.tolist()},
        }


def evaluate(true: np.ndarray, predicted: np.ndarray) -> Evaluation:
    """Accuracy, weighted P/R/F1 and per-class F1 over the classes present in ``true``."""
    present = tuple(int(c) for c in CLASS_CODES if c in set(true.tolist()))
    precision, recall, f1, _ = precision_recall_fscore_support(
        true, predicted, labels=list(present), average="weighted", zero_division=0)
    per_class = f1_score(true, predicted, labels=list(present), average=None, zero_division=0)
    return Evaluation(
        labels_present=present, accuracy=float(accuracy_score(true, predicted)),
        precision_weighted=float(precision), recall_weighted=float(recall), f1_weighted=float(f1),
        f1_per_class={c: float(v) for c, v in zip(present, per_class)},
        support={c: int((true == c).sum()) for c in present},
        confusion=confusion_matrix(true, predicted, labels=list(CLASS_CODES)))
