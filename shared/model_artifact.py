"""Model artifacts: a directory with ``model.joblib`` and ``manifest.json``, verified before loading.

A joblib file is a pickle, i.e. code: it is only unpickled after its sha256 matches the manifest
(and, when configured, one of the allowed digests), and only by the scikit-learn minor version that
wrote it (pickled estimators are not portable across scikit-learn versions).
"""
from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping

import joblib
import numpy as np
import sklearn

from shared.quantized_forest import KeyMemo, QuantizedForest

MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"


class ArtifactError(Exception):
    """An artifact is missing, tampered with, not allowed, or incompatible with this app."""


@dataclass(frozen=True)
class LoadedModel:
    """A verified, unpickled model and its manifest (the model card)."""

    manifest: Mapping[str, Any]
    forest: QuantizedForest

    @property
    def name(self) -> str:
        return self.manifest["name"]

    @property
    def version(self) -> str:
        return self.manifest["version"]

    @property
    def sha256(self) -> str:
        return self.manifest["sha256"]

    @property
    def sensor(self) -> str:
        return self.manifest["sensor"]

    def predict(self, pixels: np.ndarray, valid: np.ndarray | None = None,
                memo: KeyMemo | None = None) -> np.ndarray:
        """uint8 class codes of reflectance pixels (n, bands); 0 where not ``valid``.

        Pass one :class:`KeyMemo` for all blocks of a scene (see :meth:`QuantizedForest.predict`).
        """
        return self.forest.predict(pixels, valid, memo)


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def save_artifact(directory: Path, forest: QuantizedForest, name: str,
                  fields: Mapping[str, Any]) -> dict[str, Any]:
    """Write ``model.joblib`` and its manifest; returns the manifest.

    The version is derived from the model file's hash, so retraining with the same code, data and
    seeds gives the same version, and a different model never reuses a version.
    """
    directory.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    joblib.dump(forest, buffer, compress=3)
    data = buffer.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    (directory / MODEL_FILE).write_bytes(data)
    manifest = {
        "name": name,
        "version": f"1.{digest[:12]}",
        "sha256": digest,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        **fields,
    }
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def verify(model_bytes: bytes, manifest: Mapping[str, Any],
           allowed_sha256: tuple[str, ...] = ()) -> str:
    """The sha256 of ``model_bytes`` once it is proven to be the manifest's and allowed."""
    digest = hashlib.sha256(model_bytes).hexdigest()
    expected = str(manifest.get("sha256", "")).lower()
    if digest != expected:
        raise ArtifactError(f"{MODEL_FILE} has sha256 {digest}, but its manifest says "
                            f"{expected or 'nothing'}: the file was altered or is not this "
                            f"manifest's model; refusing to load it.")
    if allowed_sha256 and digest not in allowed_sha256:
        raise ArtifactError(f"{MODEL_FILE} (sha256 {digest}) is not in MODEL_ALLOWED_SHA256; "
                            f"refusing to load it.")
    trained_with = str(manifest.get("sklearn_version", "unknown"))
    if _minor(trained_with) != _minor(sklearn.__version__):
        raise ArtifactError(f"The model was trained with scikit-learn {trained_with}, this app runs "
                            f"{sklearn.__version__}; pickled estimators are not portable across "
                            f"versions. Retrain it (python -m tools.train) with this version.")
    return digest


def load_artifact_bytes(model_bytes: bytes, manifest: Mapping[str, Any], *,
                        allowed_sha256: tuple[str, ...] = ()) -> LoadedModel:
    """Verify (see :func:`verify`), then unpickle."""
    verify(model_bytes, manifest, allowed_sha256)
    forest = joblib.load(io.BytesIO(model_bytes))
    if not isinstance(forest, QuantizedForest):
        raise ArtifactError(f"{MODEL_FILE} holds a {type(forest).__name__}, not a QuantizedForest.")
    return LoadedModel(dict(manifest), forest)


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        return json.loads((directory / MANIFEST_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"{directory / MANIFEST_FILE} cannot be read: {exc}") from exc


def load_artifact(directory: Path, *, allowed_sha256: tuple[str, ...] = ()) -> LoadedModel:
    """Load the artifact in ``directory`` (verified before unpickling)."""
    manifest = read_manifest(directory)
    try:
        model_bytes = (directory / MODEL_FILE).read_bytes()
    except OSError as exc:
        raise ArtifactError(f"{directory / MODEL_FILE} cannot be read: {exc}") from exc
    return load_artifact_bytes(model_bytes, manifest, allowed_sha256=allowed_sha256)
