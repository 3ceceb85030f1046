"""A typed client of the IceSurf API on httpx: every route, retries, problem details, streaming.

- Where: ``base_url`` argument, else ``ICESURF_API_URL``, else ``http://localhost:7071/api``
  (``make run``). The function key: ``key`` argument, else ``ICESURF_API_KEY``; sent as the
  ``x-functions-key`` header (never in the URL, so it stays out of proxy and server logs).
- Retries: answers 429 and 503 (and connections that could not be opened) are tried again, up to
  ``RetryPolicy.attempts`` tries in all. A ``Retry-After`` answer is waited for exactly (seconds or
  an HTTP date); without one the delay grows exponentially with jitter. A ``Retry-After`` longer
  than ``RetryPolicy.max_retry_after`` is not slept through: the error is raised at once, carrying
  ``retry_after``, so a script can decide. Other errors are never retried.
- Errors: every non-2xx answer raises :class:`ApiError` with the RFC 9457 problem's ``status``,
  ``type``, ``title``, ``detail`` (and the whole ``problem``); a server that cannot be reached
  raises :class:`ApiUnreachable`. Both are :class:`IceSurfError`.
- Streaming: uploads are read from the file in 1 MiB chunks as they are sent (with a
  ``Content-Length``: the host needs one) and read again from the start on a retry; downloads are
  written to a ``.part`` file as they arrive, checked against the server's ``Repr-Digest`` sha-256,
  resumed with ``Range``/``If-Range`` after a dropped connection, then renamed into place.
  ``progress(done, total)`` callbacks report bytes sent or received.
"""
from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import math
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any, Callable, Iterator, Mapping, Sequence, Union

import httpx

__version__ = "1.0.0"

DEFAULT_URL = "http://localhost:7071/api"
URL_ENV = "ICESURF_API_URL"
KEY_ENV = "ICESURF_API_KEY"
KEY_HEADER = "x-functions-key"
CHUNK_SIZE = 1 << 20
RETRY_STATUSES = frozenset({429, 503})
PROBLEM_JSON = "application/problem+json"
MEDIA_TYPES = {".tif": "image/tiff", ".tiff": "image/tiff", ".npy": "application/x-npy",
               ".json": "application/json", ".png": "image/png"}
RASTER_FORMATS = {"tiff": "image/tiff", "png": "image/png", "npy": "application/x-npy"}

Progress = Callable[[int, Union[int, None]], None]
"""Called with (bytes done, total bytes or None) as a body is sent or received."""
RetryNotice = Callable[[str, float, int], None]
"""Called before sleeping for a retry with (reason, delay in seconds, attempt about to start)."""
Source = Union[bytes, bytearray, memoryview, str, os.PathLike, IO[bytes]]
"""A body: bytes, a path, or a binary file object (seekable, so it can be sent again)."""


class IceSurfError(Exception):
    """Anything the client reports: an API error answer or an unreachable API."""


class ApiError(IceSurfError):
    """A non-2xx answer, with its RFC 9457 problem details (synthesised for an empty body)."""

    def __init__(self, status: int, problem: Mapping[str, Any], *, method: str = "", url: str = "",
                 headers: Mapping[str, str] | None = None) -> None:
        self.status = status
        self.problem = dict(problem)
        self.type = str(problem.get("type") or "about:blank")
        self.title = str(problem.get("title") or _phrase(status))
        self.detail = str(problem.get("detail") or "")
        self.method, self.url = method, url
        self.headers = dict(headers or {})
        self.retry_after = parse_retry_after(self.headers.get("retry-after"))
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.status} {self.title}"
        return f"{text}: {self.detail}" if self.detail else text

    @classmethod
    def from_response(cls, response: httpx.Response) -> "ApiError":
        """The error of ``response`` (its body must have been read)."""
        problem: dict[str, Any] = {}
        media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media in (PROBLEM_JSON, "application/json") and response.content:
            try:
                parsed = response.json()
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                problem = parsed
        if not problem:
            problem = {"title": _phrase(response.status_code),
                       "detail": _empty_body_detail(response)}
        return cls(response.status_code, problem, method=response.request.method,
                   url=_redacted(response.request.url), headers=response.headers)


class ApiUnreachable(IceSurfError):
    """No HTTP answer: the connection could not be made, or broke before an answer arrived."""

    def __init__(self, url: str, cause: Exception) -> None:
        self.url, self.cause = url, cause
        super().__init__(f"could not reach the IceSurf API at {url}: "
                         f"{type(cause).__name__}: {cause or 'no answer'}")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _empty_body_detail(response: httpx.Response) -> str:
    """What an answer without problem details means (the Functions host's own refusals)."""
    if response.status_code == 401:
        return (f"The API refused the function key: pass key= (--key) or set {KEY_ENV}. "
                f"Anonymous routes: /health and /ui only.")
    if response.status_code == 429:
        return "The host is busy (too many requests in flight); try again later."
    if response.status_code == 413:
        return "The body is larger than the host accepts."
    text = response.text.strip()
    return text[:300] if text else _phrase(response.status_code)


def _redacted(url: httpx.URL) -> str:
    """The URL without a ``code`` (function key) query parameter."""
    if "code" not in url.params:
        return str(url)
    return str(url.copy_remove_param("code"))


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delay-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How answers 429/503 and failed connections are retried (see the module doc)."""

    attempts: int = 5
    """Tries in all, the first one included (1 = never retry)."""
    backoff: float = 0.5
    """Delay before the first retry when the server gives no Retry-After; doubled for each retry."""
    max_backoff: float = 30.0
    """Cap of the exponential delay."""
    max_retry_after: float = 120.0
    """A longer Retry-After is not waited for: the error is raised instead."""

    def delay(self, retry: int, retry_after: float | None) -> float | None:
        """Seconds to sleep before retry number ``retry`` (1-based), or None to give up."""
        if retry >= self.attempts:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry - 1))
        return random.uniform(ceiling / 2, ceiling)


NO_RETRY = RetryPolicy(attempts=1)


class _Body:
    """A request body that can be sent again (for a retry), in chunks, reporting progress.

    ``prefix`` and ``suffix`` frame the source (the parts of a multipart body around the file).
    """

    def __init__(self, source: Source, *, prefix: bytes = b"", suffix: bytes = b"",
                 chunk_size: int = CHUNK_SIZE) -> None:
        self.source, self.prefix, self.suffix, self.chunk_size = source, prefix, suffix, chunk_size
        if isinstance(source, (bytes, bytearray, memoryview)):
            self._start, size = 0, memoryview(source).nbytes
        elif isinstance(source, (str, os.PathLike)):
            self._start, size = 0, Path(source).stat().st_size
        else:
            if not source.seekable():
                raise TypeError("a file object body must be seekable (it is sent again on a retry)")
            self._start = source.tell()
            size = source.seek(0, os.SEEK_END) - self._start
            source.seek(self._start)
        self.length = len(prefix) + size + len(suffix)

    def chunks(self, progress: Progress | None) -> Iterator[bytes]:
        done = 0
        for chunk in self._pieces():
            done += len(chunk)
            yield chunk
            if progress:
                progress(done, self.length)

    def _pieces(self) -> Iterator[bytes]:
        if self.prefix:
            yield self.prefix
        source = self.source
        if isinstance(source, (bytes, bytearray, memoryview)):
            view = memoryview(source).cast("B")
            for offset in range(0, view.nbytes, self.chunk_size):
                yield bytes(view[offset:offset + self.chunk_size])
        elif isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as file:
                yield from iter(lambda: file.read(self.chunk_size), b"")
        else:
            source.seek(self._start)
            yield from iter(lambda: source.read(self.chunk_size), b"")
        if self.suffix:
            yield self.suffix


def source_name(source: Source) -> str | None:
    """The file name of a path or named file object source."""
    if isinstance(source, (str, os.PathLike)):
        return Path(source).name
    name = getattr(source, "name", None)
    return Path(name).name if isinstance(name, str) else None


def guess_media_type(source: Source, default: str = "application/octet-stream") -> str:
    """The media type the API expects for a file, from its suffix (.tif, .npy, .json, .png)."""
    name = source_name(source)
    return MEDIA_TYPES.get(Path(name).suffix.lower(), default) if name else default


@dataclass(frozen=True)
class Resource:
    """A stored scene or classification result (the record of docs/resources.md)."""

    id: str
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    created: str
    updated: str
    etag: str
    metadata: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    model_version: str | None = None

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> "Resource":
        return cls(id=document["id"], kind=document["kind"], name=document["name"],
                   content_type=document["content_type"], size=int(document["size"]),
                   sha256=document["sha256"], created=document["created"],
                   updated=document["updated"], etag=document["etag"],
                   metadata=dict(document.get("metadata") or {}), source=document.get("source"),
                   model_version=document.get("model_version"))


@dataclass(frozen=True)
class ResourcePage:
    """One page of a listing; ``next_cursor`` is None on the last page."""

    items: list[Resource]
    next_cursor: str | None


@dataclass(frozen=True)
class ClassCoverage:
    """One surface class in a classification summary."""

    code: int
    name: str
    pixels: int
    coverage: float
    """Fraction (0..1) of the valid pixels."""
    mean_albedo: float | None
    coverage_excluding_snow: float | None = None
    """Fraction of the valid non-snow pixels (None for snow), as the paper reports Sentinel-2."""


@dataclass(frozen=True)
class Classification:
    """The JSON summary of a classification (``document`` holds every member the API sent)."""

    document: dict[str, Any]
    classes: list[ClassCoverage]
    model_name: str
    model_version: str
    resource: Resource | None = None
    """For a stored scene: the classification result stored by the API."""
    location: str | None = None

    @classmethod
    def from_json(cls, document: Mapping[str, Any], location: str | None = None
                  ) -> "Classification":
        model = document.get("model") or {}
        resource = document.get("resource")
        return cls(document=dict(document), classes=_class_rows(document),
                   model_name=str(model.get("name", "")),
                   model_version=str(model.get("version", "")),
                   resource=Resource.from_json(resource) if resource else None, location=location)

    @property
    def valid_pixels(self) -> int:
        return int(self.document.get("valid_pixels", sum(row.pixels for row in self.classes)))

    @property
    def mean_albedo(self) -> float | None:
        value = self.document.get("mean_albedo")
        return None if value is None else float(value)

    @property
    def labels(self) -> list[int] | None:
        """Per-pixel class codes (JSON pixel input only)."""
        return self.document.get("labels")

    def coverage_table(self) -> str:
        """A readable plain-text table of the classes' pixels, coverage and albedo."""
        from icesurf.tables import coverage_table

        return coverage_table(self)


def _class_rows(document: Mapping[str, Any]) -> list[ClassCoverage]:
    """The per-class rows of a summary, in class-code order."""
    rows = [ClassCoverage(code=int(entry["code"]), name=str(entry["name"]),
                          pixels=int(entry["pixels"]), coverage=float(entry["coverage"]),
                          mean_albedo=_float_or_none(entry.get("mean_albedo")),
                          coverage_excluding_snow=_float_or_none(
                              entry.get("coverage_excluding_snow")))
            for entry in document.get("classes") or []]
    return sorted(rows, key=lambda row: row.code)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class RasterAnswer:
    """A raster answer: class or albedo map bytes, and the version of the model that made it."""

    content: bytes
    media_type: str
    model_version: str

    def array(self):
        """The ``.npy`` answer as a NumPy array (loaded without pickles)."""
        import io

        import numpy as np

        if self.media_type != RASTER_FORMATS["npy"]:
            raise ValueError(f"only an npy answer is an array; this one is {self.media_type}")
        return np.load(io.BytesIO(self.content), allow_pickle=False)


class Client:
    """The IceSurf API. Use as a context manager (or call :meth:`close`)."""

    def __init__(self, base_url: str | None = None, key: str | None = None, *,
                 timeout: float = 300.0, retry: RetryPolicy = RetryPolicy(),
                 on_retry: RetryNotice | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.base_url = (base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")
        key = key if key is not None else os.environ.get(KEY_ENV)
        headers = {"User-Agent": f"icesurf-client/{__version__}"}
        if key:
            headers[KEY_HEADER] = key
        self.retry, self.on_retry, self._sleep = retry, on_retry, sleep
        self._http = httpx.Client(base_url=self.base_url + "/", headers=headers,
                                  timeout=httpx.Timeout(timeout, connect=10.0),
                                  transport=transport)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- the exchange: one request, retried on 429/503 and failed connections ----

    def _exchange(self, method: str, path: str, *, params: Mapping[str, Any] | None = None,
                  headers: Mapping[str, str] | None = None, body: _Body | None = None,
                  progress: Progress | None = None, stream: bool = False,
                  retry: RetryPolicy | None = None, accept_statuses: Sequence[int] = ()
                  ) -> httpx.Response:
        """Send the request until it succeeds, may not be retried, or the tries run out.

        Returns a 2xx answer (or one of ``accept_statuses``), unread when ``stream``; raises
        :class:`ApiError` for any other answer and :class:`ApiUnreachable` without one.
        """
        policy = retry or self.retry
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        send_headers = dict(headers or {})
        if body is not None:
            send_headers["Content-Length"] = str(body.length)
        attempt = 1
        while True:
            request = self._http.build_request(
                method, path.lstrip("/"), params=query, headers=send_headers,
                content=body.chunks(progress) if body is not None else None)
            try:
                response = self._http.send(request, stream=stream)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing reached the server: always safe to try again.
                delay = policy.delay(attempt, None)
                if delay is None:
                    raise ApiUnreachable(self.base_url, exc) from exc
                self._before_retry(f"cannot connect ({type(exc).__name__})", delay, attempt)
                attempt += 1
                continue
            except httpx.TransportError as exc:
                raise ApiUnreachable(self.base_url, exc) from exc
            if response.is_success or response.status_code in accept_statuses:
                return response
            response.read()
            response.close()
            error = ApiError.from_response(response)
            delay = (policy.delay(attempt, error.retry_after)
                     if response.status_code in RETRY_STATUSES else None)
            if delay is None:
                raise error
            self._before_retry(str(error), delay, attempt)
            attempt += 1

    def _before_retry(self, reason: str, delay: float, attempt: int) -> None:
        if self.on_retry:
            self.on_retry(reason, delay, attempt + 1)
        self._sleep(delay)

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        return self._exchange(method, path, **kwargs).json()

    # ---- service ----

    def health(self) -> dict[str, Any]:
        """The health report (``status`` ok, degraded or unavailable). Asked once: an unhealthy
        app's 503 report is returned, not raised, since it is the answer to the question."""
        response = self._exchange("GET", "health", retry=NO_RETRY, accept_statuses=(503,))
        media = response.headers.get("content-type", "")
        if response.status_code == 503 and not media.startswith("application/json"):
            raise ApiError.from_response(response)
        return response.json()

    def models(self) -> dict[str, Any]:
        """The model versions of every sensor and the current one (``GET /models``)."""
        return self._json("GET", "models")

    def current_model(self, sensor: str | None = None) -> dict[str, Any]:
        """The model card (manifest) of the current model (``GET /models/current``)."""
        return self._json("GET", "models/current", params={"sensor": sensor})

    # ---- resources ----

    def upload(self, source: Source, *, name: str | None = None,
               content_type: str | None = None, metadata: Mapping[str, str] | None = None,
               progress: Progress | None = None) -> Resource:
        """Store a scene (``POST /resources``): streamed from ``source``; ``metadata`` travels in
        the same request (multipart), so the scene never exists without it."""
        body, headers = self._upload_body(source, content_type, metadata)
        response = self._exchange("POST", "resources", params={"name": name or source_name(source)},
                                  headers=headers, body=body, progress=progress)
        return Resource.from_json(response.json())

    def put(self, resource_id: str, source: Source, *, name: str | None = None,
            content_type: str | None = None, metadata: Mapping[str, str] | None = None,
            if_match: str | None = None, if_none_match: str | None = None,
            progress: Progress | None = None) -> tuple[Resource, bool]:
        """Create or replace a scene at a chosen UUID (``PUT /resources/{id}``). Returns the record
        and whether it was created. ``if_none_match="*"``: create only; ``if_match``: replace only
        that version (412 → :class:`ApiError`)."""
        body, headers = self._upload_body(source, content_type, metadata)
        headers.update(_conditions(if_match, if_none_match))
        response = self._exchange("PUT", f"resources/{_uuid(resource_id)}", params={"name": name},
                                  headers=headers, body=body, progress=progress)
        return Resource.from_json(response.json()), response.status_code == 201

    def list(self, *, kind: str | None = None, limit: int | None = None,
             cursor: str | None = None) -> ResourcePage:
        """One page of resources, oldest first (``GET /resources``)."""
        document = self._json("GET", "resources",
                              params={"kind": kind, "limit": limit, "cursor": cursor})
        return ResourcePage([Resource.from_json(item) for item in document["items"]],
                            document.get("next_cursor"))

    def iter_resources(self, *, kind: str | None = None, page_size: int = 100
                       ) -> Iterator[Resource]:
        """Every resource, following the cursors page by page."""
        cursor = None
        while True:
            page = self.list(kind=kind, limit=page_size, cursor=cursor)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def get(self, resource_id: str) -> Resource:
        """The record of a resource (``GET /resources/{id}``)."""
        return Resource.from_json(self._json("GET", f"resources/{_uuid(resource_id)}"))

    def update(self, resource_id: str, *, name: str | None = None,
               metadata: Mapping[str, str | None] | None = None,
               if_match: str | None = None) -> Resource:
        """Rename and/or annotate (``PATCH``, JSON merge patch): ``metadata`` keys are set, and
        removed where the value is None; other keys are kept."""
        patch: dict[str, Any] = {}
        if name is not None:
            patch["name"] = name
        if metadata:
            patch["metadata"] = dict(metadata)
        body = _Body(json.dumps(patch).encode())
        headers = {"Content-Type": "application/merge-patch+json", **_conditions(if_match, None)}
        response = self._exchange("PATCH", f"resources/{_uuid(resource_id)}", headers=headers,
                                  body=body)
        return Resource.from_json(response.json())

    def delete(self, resource_id: str, *, if_match: str | None = None) -> None:
        """Delete a resource (``DELETE``). Results made from a scene are kept."""
        self._exchange("DELETE", f"resources/{_uuid(resource_id)}",
                       headers=_conditions(if_match, None))

    def content(self, resource_id: str) -> bytes:
        """The whole content of a resource in memory (use :meth:`download` for large ones)."""
        return self._exchange("GET", f"resources/{_uuid(resource_id)}/content").content

    def download(self, resource_id: str, destination: str | os.PathLike, *,
                 progress: Progress | None = None) -> Path:
        """Stream a resource's content to ``destination`` (a file, or a folder: then the
        resource's name is used). Verified against the server's sha-256, resumed where it broke
        off after a dropped connection; the file appears only when complete."""
        resource_id = _uuid(resource_id)
        target = Path(destination)
        if target.is_dir():
            target = target / _safe_file_name(self.get(resource_id).name, resource_id)
        partial = target.with_name(target.name + ".part")
        try:
            with open(partial, "wb") as file:
                self._stream_into(resource_id, file, progress)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        return target

    def _stream_into(self, resource_id: str, file: IO[bytes], progress: Progress | None) -> None:
        """Receive the content into ``file``; on a broken connection ask for the rest."""
        digest, etag, expected, total = hashlib.sha256(), None, None, None
        written, breaks = 0, 0
        while True:
            headers = {"Range": f"bytes={written}-", "If-Range": etag} if written else {}
            response = self._exchange("GET", f"resources/{resource_id}/content", headers=headers,
                                      stream=True)
            try:
                if response.status_code == 200 and written:
                    # The content changed since the first part (If-Range failed): start over.
                    file.seek(0)
                    file.truncate()
                    digest, written = hashlib.sha256(), 0
                if not written:
                    etag = response.headers.get("etag")
                    expected = _repr_digest(response.headers.get("repr-digest"))
                    total = _int_or_none(response.headers.get("content-length"))
                try:
                    for chunk in response.iter_bytes():  # unbuffered: a break loses nothing
                        file.write(chunk)
                        digest.update(chunk)
                        written += len(chunk)
                        if progress:
                            progress(written, total)
                    break
                except (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout) as exc:
                    if total is not None and written == total:
                        break  # every byte arrived; only the connection's end was unclean
                    breaks += 1
                    if etag is None or breaks >= self.retry.attempts:
                        raise ApiUnreachable(self.base_url, exc) from exc
            finally:
                response.close()
        if total is not None and written != total:
            raise IceSurfError(f"download of {resource_id} incomplete: {written} of {total} bytes")
        if expected is not None and digest.digest() != expected:
            raise IceSurfError(f"download of {resource_id} is corrupt: its sha-256 does not match "
                               f"the server's Repr-Digest")

    # ---- classification ----

    def classify(self, source: Source, *, sensor: str | None = None, scale: float | None = None,
                 nodata: float | None = None, layout: str | None = None,
                 content_type: str | None = None, progress: Progress | None = None
                 ) -> Classification:
        """Classify a scene file (GeoTIFF, .npy or JSON pixels): the JSON summary."""
        response = self._classify(source, "application/json", sensor=sensor, scale=scale,
                                  nodata=nodata, layout=layout, content_type=content_type,
                                  progress=progress)
        return Classification.from_json(response.json())

    def classify_pixels(self, pixels: Sequence[Sequence[float]], *, sensor: str | None = None,
                        scale: float | None = None, nodata: float | None = None
                        ) -> Classification:
        """Classify a list of pixels (``[[b1, ..., bN], ...]``); ``labels`` has each one's code
        (0 for a pixel with a missing value: None, NaN or infinite, sent as JSON null)."""
        document: dict[str, Any] = {"pixels": [[_json_number(value) for value in pixel]
                                               for pixel in pixels]}
        if sensor:
            document["sensor"] = sensor
        body = json.dumps(document, allow_nan=False).encode()
        return self.classify(body, scale=scale, nodata=nodata, content_type="application/json")

    def classify_map(self, source: Source, *, format: str = "tiff", product: str = "classes",
                     sensor: str | None = None, scale: float | None = None,
                     nodata: float | None = None, layout: str | None = None,
                     content_type: str | None = None, progress: Progress | None = None
                     ) -> RasterAnswer:
        """Classify a scene into a raster: ``format`` tiff | png | npy, ``product`` classes |
        albedo (GeoTIFF and npy; georeferencing is kept in the GeoTIFF)."""
        if format not in RASTER_FORMATS:
            raise ValueError(f"format must be one of {', '.join(RASTER_FORMATS)}; got {format!r}")
        accept = RASTER_FORMATS[format]
        response = self._classify(source, accept, sensor=sensor, scale=scale, nodata=nodata,
                                  layout=layout, content_type=content_type, progress=progress,
                                  product=None if product == "classes" else product)
        return RasterAnswer(response.content, accept, response.headers.get("x-model-version", ""))

    def _classify(self, source: Source, accept: str, *, content_type: str | None,
                  progress: Progress | None, **query: Any) -> httpx.Response:
        media = content_type or guess_media_type(source)
        return self._exchange("POST", "classify", params=query, body=_Body(source),
                              headers={"Content-Type": media, "Accept": accept}, progress=progress)

    def classify_stored(self, resource_id: str, *, sensor: str | None = None,
                        scale: float | None = None, nodata: float | None = None,
                        layout: str | None = None) -> Classification:
        """Classify a stored scene; the API stores the class-map GeoTIFF as a classification
        resource, in ``.resource`` (and its URL in ``.location``)."""
        response = self._exchange("POST", f"classify/{_uuid(resource_id)}",
                                  params={"sensor": sensor, "scale": scale, "nodata": nodata,
                                          "layout": layout},
                                  headers={"Accept": "application/json"})
        return Classification.from_json(response.json(), location=response.headers.get("location"))

    # ---- helpers ----

    def _upload_body(self, source: Source, content_type: str | None,
                     metadata: Mapping[str, str] | None) -> tuple[_Body, dict[str, str]]:
        media = content_type or guess_media_type(source)
        if not metadata:
            return _Body(source), {"Content-Type": media}
        boundary = f"icesurf-{uuid.uuid4().hex}"
        file_name = (source_name(source) or "upload").replace('"', "%22")
        prefix = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
                  f"Content-Type: application/json\r\n\r\n{json.dumps(dict(metadata))}\r\n"
                  f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                  f"filename=\"{file_name}\"\r\nContent-Type: {media}\r\n\r\n").encode()
        suffix = f"\r\n--{boundary}--\r\n".encode()
        return (_Body(source, prefix=prefix, suffix=suffix),
                {"Content-Type": f"multipart/form-data; boundary={boundary}"})


def _uuid(resource_id: str) -> str:
    """A resource id as the API spells it; a malformed one fails here, before any request."""
    try:
        return str(uuid.UUID(str(resource_id).strip()))
    except ValueError:
        raise ValueError(f"not a resource id (a UUID): {resource_id!r}") from None


def _conditions(if_match: str | None, if_none_match: str | None) -> dict[str, str]:
    headers = {}
    if if_match:
        headers["If-Match"] = if_match
    if if_none_match:
        headers["If-None-Match"] = if_none_match
    return headers


def _repr_digest(header: str | None) -> bytes | None:
    """The sha-256 of an RFC 9530 ``Repr-Digest`` header (``sha-256=:<base64>:``), if any."""
    for item in (header or "").split(","):
        algorithm, _, value = item.strip().partition("=")
        if algorithm.strip().lower() == "sha-256" and value.startswith(":") and value.endswith(":"):
            try:
                return base64.b64decode(value[1:-1], validate=True)
            except ValueError:
                return None
    return None


def _json_number(value: float | None) -> float | None:
    """A band value for JSON: missing, NaN and infinite values are null (masked by the API)."""
    return None if value is None or not math.isfinite(float(value)) else float(value)


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() else None


def _safe_file_name(name: str, fallback: str) -> str:
    """A resource's name usable as a file name in a folder (no path separators)."""
    cleaned = "".join("_" if ch in '/\\:\0' else ch for ch in name).strip().lstrip(".")
    return cleaned or fallback
