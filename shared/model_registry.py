"""The model registry: where each sensor's model versions live, which one is current, and the
per-process cache that serves it.

Layout in Blob Storage (container ``MODELS_CONTAINER``, default ``models``)::

    <name>/<version>/model.joblib     the pickled estimator (joblib)
    <name>/<version>/manifest.json    its card: name, version, sha256 of model.joblib, sensor, ...
    <name>/current                    pointer: {"version": ..., "previous": ..., "activated": ...}

Names are per sensor (:data:`MODEL_NAMES`): ``icesurf-micasense`` and ``icesurf-sentinel2``.
A version exists once its ``manifest.json`` exists (it is written last), and is never overwritten.
Activating a version rewrites the pointer in one put (atomic for readers) and remembers the version
it replaced, which is what :meth:`BlobModelRegistry.rollback` goes back to.

With ``MODEL_LOCAL_DIR`` set, ``<dir>/<name>/`` (``model.joblib`` + ``manifest.json``) is the only
version of ``<name>`` and the blob registry is not used.

Serving (:func:`current_model`): each model name has one :class:`ServedModel` per process. The
first request loads the current version (download, sha256 checked against the manifest and
``MODEL_ALLOWED_SHA256`` by :mod:`shared.model_artifact` before unpickling); requests
arriving meanwhile wait for that one load instead of starting their own. Afterwards the pointer is
re-checked every ``MODEL_REFRESH_SECONDS`` by one request while the others keep being served the
current model; a new version is loaded aside and swapped in with one reference assignment. A failed
load keeps the previous model serving and is reported by :func:`model_status` (health). With no
model at all, :func:`current_model` raises ``DependencyUnavailable("model", ...)``: 503 with
``Retry-After``, and the load is retried after ``RETRY_AFTER_SECONDS`` at the latest.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Protocol

from azure.core.exceptions import AzureError, HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import ContainerClient

from shared.http import DependencyUnavailable
from shared.model_artifact import (MANIFEST_FILE, MODEL_FILE, ArtifactError, LoadedModel,
                                   load_artifact, load_artifact_bytes, verify)
from shared.settings import get_settings
from shared.storage_clients import run_or_unavailable

log = logging.getLogger("icesurf.models")

MODEL_NAMES: dict[str, str] = {"micasense": "icesurf-micasense", "sentinel2": "icesurf-sentinel2"}
POINTER_BLOB = "current"
_VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$")


class RegistryError(Exception):
    """A registry request that cannot be honoured (unknown version, invalid artifact, ...)."""


def model_name(sensor: str) -> str:
    """The registry name of ``sensor``'s model."""
    try:
        return MODEL_NAMES[sensor]
    except KeyError:
        raise RegistryError(f"unknown sensor {sensor!r}; known: {', '.join(MODEL_NAMES)}") from None


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ModelSource(Protocol):
    """Where served models come from: the blob registry or a local directory."""

    description: str

    def current_version(self, name: str) -> str | None:
        """The version that should be served for ``name`` (None: nothing published)."""

    def load(self, name: str, version: str, allowed_sha256: tuple[str, ...]) -> LoadedModel:
        """Fetch and verify ``name``/``version`` and unpickle it (raises ArtifactError et al.)."""


class LocalModels:
    """``MODEL_LOCAL_DIR``: ``<root>/<name>/`` holds the one version of ``name``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.description = f"local directory {self.root}"

    def current_version(self, name: str) -> str | None:
        try:
            manifest = json.loads((self.root / name / MANIFEST_FILE).read_text())
        except FileNotFoundError:
            return None
        return str(manifest.get("version")) if isinstance(manifest, dict) else None

    def load(self, name: str, version: str, allowed_sha256: tuple[str, ...]) -> LoadedModel:
        return load_artifact(self.root / name, allowed_sha256=allowed_sha256)

    def catalogue(self) -> list[dict[str, Any]]:
        entries = []
        for name in MODEL_NAMES.values():
            version = self.current_version(name)
            entries.append({"name": name, "current": version,
                            "versions": [{"version": version}] if version else []})
        return entries


@dataclass(frozen=True)
class PublishedVersion:
    version: str
    published: str  # creation time of its manifest blob (ISO 8601, UTC)


class BlobModelRegistry:
    """The registry in Blob Storage (layout in the module docstring); every call goes through
    :func:`shared.storage_clients.run_or_unavailable`."""

    def __init__(self, container: str) -> None:
        self.container = container
        self.description = f"blob container {container}"

    # -- reading ----------------------------------------------------------------------------

    def pointer(self, name: str) -> dict[str, Any] | None:
        """The current-version pointer of ``name`` (None when nothing was ever activated)."""
        try:
            raw = self._call(lambda c: c.get_blob_client(f"{name}/{POINTER_BLOB}").download_blob()
                             .readall())
        except ResourceNotFoundError:
            return None
        try:
            pointer = json.loads(raw)
            if isinstance(pointer, dict) and _VERSION_PATTERN.match(str(pointer.get("version"))):
                return pointer
        except ValueError:
            pass
        raise RegistryError(f"the pointer blob {name}/{POINTER_BLOB} in {self.container} is not "
                            f"a JSON object with a valid 'version'")

    def current_version(self, name: str) -> str | None:
        pointer = self.pointer(name)
        return None if pointer is None else str(pointer["version"])

    def versions(self, name: str) -> list[PublishedVersion]:
        """Published versions of ``name``, oldest first."""
        def listing(container: ContainerClient) -> list[PublishedVersion]:
            found = []
            for blob in container.list_blobs(name_starts_with=f"{name}/"):
                parts = blob.name.split("/")
                if len(parts) == 3 and parts[2] == MANIFEST_FILE:
                    found.append(PublishedVersion(parts[1], blob.creation_time.astimezone(
                        timezone.utc).isoformat(timespec="seconds")))
            return found
        try:
            found = self._call(listing)
        except ResourceNotFoundError:  # no container yet: nothing published
            return []
        return sorted(found, key=lambda v: (v.published, v.version))

    def manifest(self, name: str, version: str) -> dict[str, Any]:
        self._check_version(version)
        try:
            raw = self._call(lambda c: c.get_blob_client(f"{name}/{version}/{MANIFEST_FILE}")
                             .download_blob().readall())
        except ResourceNotFoundError:
            raise RegistryError(f"{name} has no version {version!r}") from None
        return json.loads(raw)

    def catalogue(self) -> list[dict[str, Any]]:
        return [{"name": name, "current": self.current_version(name),
                 "versions": [{"version": v.version, "published": v.published}
                              for v in self.versions(name)]}
                for name in MODEL_NAMES.values()]

    def load(self, name: str, version: str, allowed_sha256: tuple[str, ...]) -> LoadedModel:
        """Download ``name``/``version`` into memory and load it (the sha256 checks of
        ``load_artifact_bytes`` happen before anything is unpickled)."""
        manifest = self.manifest(name, version)
        if (manifest.get("name"), manifest.get("version")) != (name, version):
            raise ArtifactError(f"{name}/{version}/{MANIFEST_FILE} describes "
                                f"{manifest.get('name')} {manifest.get('version')}, not "
                                f"{name} {version}")
        model_bytes = self._call(lambda c: c.get_blob_client(f"{name}/{version}/{MODEL_FILE}")
                                 .download_blob(max_concurrency=4).readall())
        return load_artifact_bytes(model_bytes, manifest, allowed_sha256=allowed_sha256)

    # -- writing (tools/models.py) ----------------------------------------------------------

    def publish(self, artifact_dir: Path, *, activate: bool = False) -> tuple[str, str]:
        """Upload a trained artifact folder as a new version; returns (name, version).

        The model file is checked against the manifest first (sha256, scikit-learn version;
        nothing is unpickled here). An existing version is never overwritten: publishing the same artifact again is a
        no-op (then only ``activate`` applies), publishing different bytes under it is refused."""
        artifact_dir = Path(artifact_dir)
        manifest_bytes = (artifact_dir / MANIFEST_FILE).read_bytes()
        manifest = json.loads(manifest_bytes)
        name, version = str(manifest.get("name")), str(manifest.get("version"))
        if name not in MODEL_NAMES.values():
            raise RegistryError(f"{artifact_dir}: manifest name {name!r} is not one of "
                                f"{', '.join(MODEL_NAMES.values())}")
        self._check_version(version)
        try:
            digest = verify((artifact_dir / MODEL_FILE).read_bytes(), manifest)
        except ArtifactError as exc:
            raise RegistryError(f"{artifact_dir}: {exc} Refusing to publish it.") from None
        try:
            self._call(lambda svc_container: svc_container.create_container())
        except ResourceExistsError:
            pass
        prefix = f"{name}/{version}/"
        if self._exists(prefix + MANIFEST_FILE):
            if self.manifest(name, version).get("sha256") != digest:
                raise RegistryError(f"{name} version {version} is already published with another "
                                    f"model file (versions are immutable: train a new version)")
            log.info("model %s version %s is already published", name, version)
            if activate:
                self.activate(name, version)
            return name, version

        def upload_model(container: ContainerClient) -> None:
            with open(artifact_dir / MODEL_FILE, "rb") as source:
                container.get_blob_client(prefix + MODEL_FILE).upload_blob(
                    source, overwrite=True, max_concurrency=4)
        self._call(upload_model)
        try:
            self._call(lambda c: c.get_blob_client(prefix + MANIFEST_FILE).upload_blob(
                manifest_bytes, overwrite=False))
        except ResourceExistsError:
            raise RegistryError(f"{name} version {version} was published concurrently") from None
        log.info("published model %s version %s", name, version)
        if activate:
            self.activate(name, version)
        return name, version

    def activate(self, name: str, version: str) -> dict[str, Any]:
        """Make ``version`` the current one of ``name``; returns the new pointer."""
        self._check_version(version)
        if not self._exists(f"{name}/{version}/{MANIFEST_FILE}"):
            raise RegistryError(f"{name} has no published version {version!r}")
        previous = self.current_version(name)
        pointer = {"version": version, "previous": previous, "activated": _utc_now()}
        self._call(lambda c: c.get_blob_client(f"{name}/{POINTER_BLOB}").upload_blob(
            json.dumps(pointer).encode(), overwrite=True))
        log.info("model %s: current version %s (was %s)", name, version, previous)
        return pointer

    def rollback(self, name: str) -> dict[str, Any]:
        """Re-activate the version the last activation replaced."""
        pointer = self.pointer(name)
        if not pointer or not pointer.get("previous"):
            raise RegistryError(f"{name} has no previous version to roll back to")
        return self.activate(name, str(pointer["previous"]))

    # -- plumbing ---------------------------------------------------------------------------

    def _call(self, operation: Callable[[ContainerClient], Any]) -> Any:
        return run_or_unavailable(lambda svc: operation(svc.get_container_client(self.container)))

    def _exists(self, blob: str) -> bool:
        return bool(self._call(lambda c: c.get_blob_client(blob).exists()))

    @staticmethod
    def _check_version(version: str) -> None:
        if not _VERSION_PATTERN.match(version):
            raise RegistryError(f"invalid model version {version!r}: use letters, digits and . _ + -")


def model_source() -> LocalModels | BlobModelRegistry:
    """The source configured by the settings: ``MODEL_LOCAL_DIR`` if set, else the blob registry."""
    settings = get_settings()
    if settings.model_local_dir:
        return LocalModels(Path(settings.model_local_dir))
    return BlobModelRegistry(settings.models_container)


def _describe_failure(exc: BaseException) -> str:
    """A log/health-safe description: storage errors by type and code only (their messages
    can carry request URLs), artifact and registry errors by their own message."""
    if isinstance(exc, DependencyUnavailable):
        return f"{exc.what} unavailable: {exc.detail}"
    if isinstance(exc, HttpResponseError):
        return f"{type(exc).__name__} (HTTP {exc.status_code}, {exc.error_code})"
    if isinstance(exc, AzureError):
        return f"{type(exc).__name__}: storage could not be reached"
    return f"{type(exc).__name__}: {exc}"


class ServedModel:
    """The served model of one name in this process (see the module docstring).

    ``_model`` and ``_next_check`` are written only while holding ``_refresh_lock``; the fast path
    reads them without the lock (each is one reference read, atomic in CPython), so serving a
    loaded model never waits for a refresh in progress.
    """

    def __init__(self, name: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self._clock = clock
        self._refresh_lock = threading.Lock()
        self._model: LoadedModel | None = None
        self._next_check = 0.0
        self._last_error: str | None = None
        self._last_check: str | None = None
        self._loaded_at: str | None = None
        self._loads = 0  # model downloads/loads attempted (not pointer checks)
        self._refused_version: str | None = None  # failed verification: not fetched again

    def get(self) -> LoadedModel:
        model = self._model
        if model is not None and self._clock() < self._next_check:
            return model
        if model is not None:
            if not self._refresh_lock.acquire(blocking=False):
                return model  # another request is refreshing; keep serving the current model
        else:
            self._refresh_lock.acquire()  # the first load: wait for it rather than start another
        try:
            if self._model is None or self._clock() >= self._next_check:
                self._refresh()
        finally:
            self._refresh_lock.release()
        if self._model is None:
            raise DependencyUnavailable(
                "model", f"No {self.name} model can be served right now ({self._last_error}).")
        return self._model

    def _refresh(self) -> None:
        settings = get_settings()
        self._last_check = _utc_now()
        try:
            self._follow_pointer(model_source(), settings.model_allowed_sha256)
        except (ArtifactError, RegistryError, DependencyUnavailable, AzureError, OSError,
                ValueError) as exc:
            self._last_error = _describe_failure(exc)
            log.warning("model %s: load failed, %s: %s", self.name,
                        f"still serving {self._model.version}" if self._model else "nothing to serve",
                        self._last_error)
        delay = settings.model_refresh_seconds
        if self._model is None:
            delay = min(delay, settings.retry_after_seconds)
        self._next_check = self._clock() + delay

    def _follow_pointer(self, source: ModelSource, allowed_sha256: tuple[str, ...]) -> None:
        """Load the pointer's version unless it is served already or was refused before."""
        version = source.current_version(self.name)
        if version is None:
            raise RegistryError(f"no version of {self.name} is published in the "
                                f"{source.description}")
        if version == self._refused_version:
            return  # versions are immutable: a refused one stays refused (last_error kept)
        if self._model is None or self._model.version != version:
            self._loads += 1
            try:
                model = source.load(self.name, version, allowed_sha256)
            except ArtifactError:
                self._refused_version = version
                raise
            previous, self._model = self._model, model
            self._loaded_at = _utc_now()
            log.info("model %s: serving version %s (sha256 %s)%s", self.name, model.version,
                     model.sha256, f", replacing {previous.version}" if previous else "")
        self._last_error = None

    def status(self) -> dict[str, Any]:
        model = self._model
        return {"name": self.name, "status": "loaded" if model else (
                    "failed" if self._last_error else "not-loaded"),
                "version": model.version if model else None,
                "sha256": model.sha256 if model else None,
                "loaded_at": self._loaded_at, "last_check": self._last_check,
                "last_error": self._last_error, "loads": self._loads}


_served_lock = threading.Lock()
_served: dict[str, ServedModel] = {}  # per-process cache: model name → its ServedModel


def _served_model(name: str) -> ServedModel:
    with _served_lock:
        if name not in _served:
            _served[name] = ServedModel(name)
        return _served[name]


def current_model(sensor: str) -> LoadedModel:
    """The model serving ``sensor`` in this process (loaded on first use; see module docstring).

    Raises ``DependencyUnavailable("model", ...)`` (503 + Retry-After) when there is none."""
    return _served_model(model_name(sensor)).get()


def model_status() -> dict[str, Any]:
    """For health: the configured source and, per model name, what this process serves (a model
    never requested is reported as not loaded; nothing is loaded by asking)."""
    settings = get_settings()
    source = "local-dir" if settings.model_local_dir else f"blob:{settings.models_container}"
    with _served_lock:
        served = dict(_served)
    return {"source": source,
            "models": [served[name].status() if name in served else
                       ServedModel(name).status() for name in MODEL_NAMES.values()]}


def catalogue() -> list[dict[str, Any]]:
    """For ``GET /api/models``: per model name its sensor, versions, the registry's current
    version and the version this process serves (which follows within MODEL_REFRESH_SECONDS)."""
    sensors = {name: sensor for sensor, name in MODEL_NAMES.items()}
    with _served_lock:
        served = {name: slot.status()["version"] for name, slot in _served.items()}
    return [{**entry, "sensor": sensors[entry["name"]], "serving": served.get(entry["name"])}
            for entry in model_source().catalogue()]


def reset_served_models() -> None:
    """Forget every served model of this process (tests and the cold-start benchmark)."""
    with _served_lock:
        _served.clear()
