"""The compiled table and the deduplicating path give exactly the pipeline's own predictions."""
import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import Pipeline

from shared.model_artifact import load_artifact
from shared.quantized_forest import BandQuantizer, KeyMemo, QuantizedForest
from shared.spectral_library import generate_samples


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


def test_key_memo_predicts_each_key_once_and_stays_bounded():
    predicted: list[int] = []

    def predict(keys: np.ndarray) -> np.ndarray:
        predicted.extend(keys.tolist())
        return (keys % 7).astype(np.uint8)

    memo = KeyMemo(max_keys=6)
    assert memo.codes(np.array([3, 10, 12]), predict).tolist() == [3, 3, 5]
    assert memo.codes(np.array([1, 3, 12, 20]), predict).tolist() == [1, 3, 5, 6]
    assert predicted == [3, 10, 12, 1, 20]  # 3 and 12 came from the memo
    memo.codes(np.array([2, 4]), predict)  # would make 7 keys: predicted, not remembered
    memo.codes(np.array([2, 10]), predict)
    assert predicted[-3:] == [2, 4, 2]


def test_sentinel2_blocks_with_one_memo_equal_pipeline_predict(model_dir):
    model = load_artifact(model_dir / "icesurf-sentinel2")
    pixels, _ = generate_samples("sentinel2", 500, 31)
    pixels = pixels[np.random.default_rng(4).integers(0, len(pixels), 6000)]
    valid = np.ones(len(pixels), dtype=bool)
    valid[::50] = False
    memo = KeyMemo()
    blocks = [model.predict(block, mask, memo)
              for block, mask in zip(np.array_split(pixels, 4), np.array_split(valid, 4))]
    expected = model.forest.pipeline.predict(pixels).astype(np.uint8)
    expected[~valid] = 0
    assert np.array_equal(np.concatenate(blocks), expected)
