"""The compiled table equals the pipeline's own predict on every cell of the grid."""
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

from shared.quantized_forest import BandQuantizer, QuantizedForest


def test_table_equals_pipeline_predict_on_every_grid_cell():
    rng = np.random.default_rng(2)
    features = rng.random((3000, 4), dtype=np.float32)
    features[:, 3] = np.round(features[:, 3] * 2) / 2  # 3 values: few distinct splits
    labels = (features[:, 0] * 3 + features[:, 1] ** 2 * 2 + rng.random(3000)).astype(int)
    pipeline = Pipeline([("quantize", BandQuantizer(bins=9, low=0.1, high=0.9)),
                         ("forest", RandomForestClassifier(n_estimators=6, random_state=0))]
                        ).fit(features, labels)
    compiled = QuantizedForest(pipeline)
    assert compiled.table is not None and compiled.table.size == 9 ** 4
    # Some bins share a group (no split between them), so the grouping is exercised.
    assert len(np.unique(compiled._bin_groups()[3])) <= 4
    centres = (np.arange(9, dtype=np.float32) + 0.5) / 9 * 0.8 + 0.1
    grid = np.stack(np.meshgrid(*[centres] * 4, indexing="ij"), axis=-1).reshape(-1, 4)
    assert np.array_equal(compiled.predict(grid), pipeline.predict(grid))
    outside = rng.random((5000, 4), dtype=np.float32) * 1.4 - 0.2  # below low, above high
    assert np.array_equal(compiled.predict(outside), pipeline.predict(outside))
