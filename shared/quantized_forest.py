"""The served model form: a random forest on quantised reflectance, compiled into a lookup table.

Training fits a scikit-learn ``Pipeline(BandQuantizer, RandomForestClassifier)``. The quantiser maps
each band onto ``bins`` equal steps over [low, high) reflectance, so the forest sees a finite input
space; :class:`QuantizedForest` evaluates the forest's own ``predict`` on that grid (bins ** bands
cells; once per group of cells that no split tells apart) and keeps the answers as a uint8 table.
Serving is then a quantisation and one gather per pixel, and agrees with ``pipeline.predict``
exactly, by construction (the same float32 quantisation code runs in both). Where the table would be too large (Sentinel-2's 9 bands),
pixels are quantised, their grid keys deduplicated, and the forest predicts each distinct key once.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline

MAX_TABLE_CELLS = 1 << 25  # 32 Mi cells = 32 MiB of uint8
_TABLE_BUILD_CHUNK = 1 << 20


def bin_indices(reflectance: np.ndarray, bins: int, low: float, high: float) -> np.ndarray:
    """int32 grid index of float32 ``reflectance`` (any shape); NaN gives an undefined index."""
    step = np.float32(bins / (high - low))
    scaled = reflectance.astype(np.float32, copy=True)
    scaled -= np.float32(low)
    scaled *= step
    np.clip(scaled, 0, bins - 1, out=scaled)
    with np.errstate(invalid="ignore"):
        return scaled.astype(np.int32)


class BandQuantizer(TransformerMixin, BaseEstimator):
    """Pipeline step: reflectance (n, bands) → grid indices as float32 (see module doc)."""

    def __init__(self, bins: int = 28, low: float = 0.0, high: float = 1.0) -> None:
        self.bins = bins
        self.low = low
        self.high = high

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> "BandQuantizer":
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return bin_indices(np.asarray(X), self.bins, self.low, self.high).astype(np.float32)


class QuantizedForest:
    """A fitted quantiser+forest pipeline and, when it fits, its exact lookup table."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        quantizer: BandQuantizer = pipeline[0]
        self.bins, self.low, self.high = quantizer.bins, quantizer.low, quantizer.high
        self.band_count = quantizer.n_features_in_
        self.strides = self.bins ** np.arange(self.band_count - 1, -1, -1, dtype=np.int64)
        cells = self.bins ** self.band_count
        self.table = self._build_table(cells) if cells <= MAX_TABLE_CELLS else None

    def _grid_features(self, keys: np.ndarray) -> np.ndarray:
        """Grid indices (as the forest's float32 features) of flat grid ``keys``."""
        return ((keys[:, None] // self.strides) % self.bins).astype(np.float32)

    def _bin_groups(self) -> list[np.ndarray]:
        """Per band, each bin's group: bins between two consecutive split thresholds of any tree.

        A node sends integer bin ``v`` left iff ``v <= threshold``, i.e. ``v <= floor(threshold)``,
        so bins ``v`` and ``v + 1`` are told apart only by a node with ``floor(threshold) == v``.
        All bins of a group take the same path through every tree, hence get the same label.
        """
        cuts: list[set[int]] = [set() for _ in range(self.band_count)]
        for tree in self.pipeline[-1].estimators_:
            split = tree.tree_.feature >= 0
            for band, threshold in zip(tree.tree_.feature[split], tree.tree_.threshold[split]):
                cuts[band].add(int(np.floor(threshold)) + 1)
        bins = np.arange(self.bins)
        return [np.searchsorted(np.array(sorted(c)), bins, side="right") for c in cuts]

    def _build_table(self, cells: int) -> np.ndarray:
        """Predict one representative bin vector per group combination, then spread the answers
        over the full grid (exact; about 1.5x fewer predictions than the full grid here)."""
        forest = self.pipeline[-1]
        groups = self._bin_groups()
        representatives = [np.unique(g, return_index=True)[1] for g in groups]
        shape = tuple(len(r) for r in representatives)
        compact = np.empty(int(np.prod(shape)), dtype=np.uint8)
        for start in range(0, len(compact), _TABLE_BUILD_CHUNK):
            flat = np.arange(start, min(len(compact), start + _TABLE_BUILD_CHUNK))
            features = np.stack([r[i] for r, i in zip(representatives, np.unravel_index(flat, shape))],
                                axis=1).astype(np.float32)
            compact[start:start + len(flat)] = forest.predict(features)
        return compact.reshape(shape)[np.ix_(*groups)].reshape(cells)

    def predict(self, reflectance: np.ndarray, valid: np.ndarray | None = None,
                memo: KeyMemo | None = None) -> np.ndarray:
        """uint8 class codes of float32 reflectance (n, bands); 0 where ``valid`` is False.

        ``memo`` (no table only) carries the codes of keys already predicted across calls, so the
        blocks of one scene predict each distinct key once.
        """
        n = reflectance.shape[0]
        if valid is None:
            valid = np.isfinite(reflectance).all(axis=1)
        index_dtype = np.int32 if self.table is not None else np.int64
        keys = np.zeros(n, dtype=index_dtype)
        for band in range(self.band_count):
            keys += bin_indices(reflectance[:, band], self.bins, self.low, self.high
                                ).astype(index_dtype, copy=False) * index_dtype(self.strides[band])
        keys[~valid] = 0
        if self.table is not None:
            codes = self.table[keys]
        else:
            distinct, inverse = np.unique(keys[valid], return_inverse=True)
            codes = np.zeros(n, dtype=np.uint8)
            if len(distinct):
                codes[valid] = (memo or KeyMemo()).codes(distinct, self._predict_keys)[inverse]
        codes[~valid] = 0
        return codes

    def _predict_keys(self, keys: np.ndarray) -> np.ndarray:
        return self.pipeline[-1].predict(self._grid_features(keys)).astype(np.uint8)


class KeyMemo:
    """Codes of grid keys already predicted, for the blocks of one scene (one caller, no lock).

    Kept as sorted arrays; stops growing at ``max_keys`` (9 bytes a key) so memory stays bounded.
    """

    def __init__(self, max_keys: int = 1 << 21) -> None:
        self.max_keys = max_keys
        self._keys = np.empty(0, dtype=np.int64)
        self._codes = np.empty(0, dtype=np.uint8)

    def codes(self, distinct: np.ndarray, predict: Callable[[np.ndarray], np.ndarray]
              ) -> np.ndarray:
        """Codes of sorted unique keys ``distinct``: remembered ones looked up, others predicted."""
        position = np.searchsorted(self._keys, distinct).clip(max=max(len(self._keys) - 1, 0))
        known = (self._keys[position] == distinct) if len(self._keys) else \
            np.zeros(len(distinct), dtype=bool)
        codes = np.empty(len(distinct), dtype=np.uint8)
        codes[known] = self._codes[position[known]]
        new_keys = distinct[~known]
        codes[~known] = predict(new_keys)
        if len(new_keys) and len(self._keys) + len(new_keys) <= self.max_keys:
            slots = np.searchsorted(self._keys, new_keys)  # new_keys are sorted: a linear merge
            self._keys = np.insert(self._keys, slots, new_keys)
            self._codes = np.insert(self._codes, slots, codes[~known])
        return codes
