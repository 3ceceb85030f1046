"""Training is reproducible, and the default-model cache survives concurrent trainers."""
import io
import threading
from pathlib import Path

import joblib

import tools.train
from shared.surfaces import SENSORS
from shared.training import train_from_library


def test_training_is_reproducible_byte_for_byte():
    def pickled() -> bytes:
        buffer = io.BytesIO()
        joblib.dump(train_from_library("micasense", compile_table=False), buffer)
        return buffer.getvalue()

    assert pickled() == pickled()


def test_concurrent_trainers_publish_one_complete_cache_entry(tmp_path, monkeypatch):
    """Parallel test sessions and ``make run`` may train the same cache key at the same moment."""
    started = threading.Barrier(4)

    def slow_train(sensor: str, out_dir: Path) -> Path:
        if sensor == "micasense":
            started.wait(timeout=10)  # all four trainers are inside train() at once
        target = out_dir / tools.train.model_name(sensor)
        target.mkdir(parents=True)
        (target / "model.joblib").write_bytes(sensor.encode())
        (target / "manifest.json").write_text("{}")
        return target

    monkeypatch.setattr(tools.train, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(tools.train, "train", slow_train)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            paths = tools.train.train_default_models(tmp_path / f"out{index}")
            assert {s: p.name for s, p in paths.items()} == {s: f"icesurf-{s}" for s in SENSORS}
            assert (paths["sentinel2"] / "model.joblib").read_bytes() == b"sentinel2"
        except BaseException as exc:  # reported below, from the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    entries = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert entries == [tools.train._cache_key()]  # one entry, no staging folders left behind
