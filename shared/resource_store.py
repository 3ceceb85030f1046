"""The resource store: scenes and classification results in Blob Storage.

This is the only module that knows how resources are laid out in storage.

Layout: container ``RESOURCES_CONTAINER`` (created on first write), one block blob per resource,
named ``<owner namespace>/<id>`` (see :mod:`shared.ownership`). The blob's bytes are the content,
its Content-Type is the content type, and the rest of the record is the blob's metadata:

=================  ==========================================================================
metadata key       value
=================  ==========================================================================
``icesurf``        record format version (``1``)
``kind``           ``scene`` or ``classification``
``name_b64``       display name, UTF-8, base64url (header values must be ASCII)
``sha256``         hex digest of the content
``created``        ISO 8601 UTC, milliseconds (kept when the content is replaced)
``updated``        ISO 8601 UTC, milliseconds (any write)
``meta_b64``       user metadata as compact UTF-8 JSON, base64url (absent when empty)
``source``         id of the scene a classification was made from (absent for scenes)
``model_b64``      model version of a classification, base64url (absent for scenes)
=================  ==========================================================================

So content and record are written by ONE request (Put Block List, or Set Blob Metadata for record
changes): nothing half-written is ever visible, since staged blocks stay invisible until committed.
The record's ``etag`` is the blob's ETag, and every write is conditional on the ETag (or absence)
observed just before it. A client's ``If-Match``/``If-None-Match`` is evaluated against that same
observation, so the precondition check and the write are one atomic step in Blob Storage: of many
concurrent conditional writers exactly one wins, and an unconditional read-modify-write (PATCH
without ``If-Match``) re-reads and re-applies itself when it lost, so no update is lost.

Listing order is blob-name order within the owner's namespace, i.e. id order. Server-assigned ids
are UUIDv7 (time-ordered, sub-millisecond precision), so for them id order is creation order,
oldest first; ids chosen by clients (PUT) sort wherever their UUID falls.

Every storage call goes through :func:`shared.storage_clients.run_or_unavailable`. Connection errors
are left to propagate (the endpoint wrapper answers 503); Blob Storage answering 5xx or refusing
the credentials becomes :class:`~shared.http.DependencyUnavailable` (503 as well).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import random
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping, Protocol, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import (HttpResponseError, ResourceExistsError, ResourceModifiedError,
                                   ResourceNotFoundError)
from azure.storage.blob import (BlobBlock, BlobClient, BlobProperties, BlobServiceClient,
                                ContentSettings, StorageErrorCode)

from shared.ownership import Owner
from shared.problems import Problem
from shared.settings import get_settings
from shared.storage_clients import run_or_unavailable

log = logging.getLogger("icesurf.resources")

KINDS = ("scene", "classification")
FORMAT_VERSION = "1"
BLOCK_SIZE = 8 * 1024 * 1024
UPLOAD_CONCURRENCY = 4
DOWNLOAD_CONCURRENCY = 4
# Attempts of one read-modify-write under contention, with jittered exponential backoff between
# them. Each attempt re-reads the state and a writer only loses to another writer's commit, so
# up to MAX_ATTEMPTS writers racing on one resource all succeed; beyond that losers get 409.
MAX_ATTEMPTS = 12
BACKOFF_SECONDS = 0.005
MAX_NAME_LENGTH = 255
MAX_MODEL_VERSION_LENGTH = 128
MAX_CONTENT_TYPE_LENGTH = 255
# Blob metadata is limited to 8 KiB in total; 4 KiB of user metadata (5.5 KiB in base64) leaves
# room for the rest of the record, so MAX_METADATA_BYTES is capped here.
METADATA_BYTES_CEILING = 4096
DEFAULT_LIST_LIMIT = 100
MAX_LIST_LIMIT = 1000
# A kind-filtered listing reads at most this many storage pages per request, then returns what it
# found with a cursor: latency stays bounded even when matches are sparse.
MAX_STORAGE_PAGES_PER_LIST = 10

_UUID_TEXT = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_MEDIA_TYPE = re.compile(rf"^({_TOKEN})/({_TOKEN})((?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|"
                         r'"(?:[^"\\\x00-\x08\x0a-\x1f\x7f]|\\[^\x00-\x08\x0a-\x1f\x7f])*"))*)[ \t]*$')



# ---------------------------------------------------------------------------------------------
# The record and the values it holds

@dataclass(frozen=True)
class ResourceRecord:
    """One resource as the API shows it (``to_json``)."""

    id: str
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    created: str
    updated: str
    etag: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None
    model_version: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "name": self.name,
                "content_type": self.content_type, "size": self.size, "sha256": self.sha256,
                "created": self.created, "updated": self.updated, "etag": self.etag,
                "metadata": dict(self.metadata), "source": self.source,
                "model_version": self.model_version}


@dataclass(frozen=True)
class RecordChange:
    """The editable part of a record (PATCH): the complete new name and user metadata."""

    name: str
    metadata: Mapping[str, str]


@dataclass(frozen=True)
class Page:
    """One page of a listing; ``next_cursor`` is None on the last page."""

    items: list[ResourceRecord]
    next_cursor: str | None


@dataclass(frozen=True)
class ByteSpan:
    """A run of content bytes: ``length`` bytes from ``offset``."""

    offset: int
    length: int

    @property
    def last(self) -> int:
        return self.offset + self.length - 1


class ContentPlan(Protocol):
    """What a reader decided to send for a record; ``span`` None means no bytes (e.g. 304)."""

    @property
    def span(self) -> ByteSpan | None: ...


P = TypeVar("P", bound=ContentPlan)


def not_found(resource_id: str) -> Problem:
    return Problem(404, f"There is no resource {resource_id}.", slug="resource-not-found")


def _conflict() -> Problem:
    return Problem(409, "The resource kept changing while this request was applied to it; "
                        "retry the request.", slug="concurrent-modification")


def _precondition_failed(header: str) -> Problem:
    return Problem(412, f"The {header} precondition does not hold for the resource's current "
                        f"state; fetch it again for its current ETag.", slug="precondition-failed")


def _attempts() -> Iterator[int]:
    """Attempt numbers for a retried write, sleeping a jittered, growing pause between them."""
    for attempt in range(MAX_ATTEMPTS):
        if attempt:
            time.sleep(random.uniform(0, BACKOFF_SECONDS * 2 ** min(attempt, 5)))
        yield attempt


def new_resource_id() -> str:
    """A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then 12 bits of sub-millisecond time
    (method 3 of §6.2, so ids of one process sort in creation order), then 62 random bits."""
    nanoseconds = time.time_ns()
    milliseconds, remainder = divmod(nanoseconds, 1_000_000)
    sub_millisecond = remainder * 4096 // 1_000_000
    random_bits = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = ((milliseconds & ((1 << 48) - 1)) << 80 | 0x7 << 76 | sub_millisecond << 64
             | 0b10 << 62 | random_bits)
    return str(uuid.UUID(int=value))


def normalize_id(text: str) -> str:
    """A resource id in canonical form (lower-case hyphenated UUID); 400 for anything else."""
    candidate = text.strip().lower()
    if not _UUID_TEXT.match(candidate):
        raise Problem(400, f"{text[:64]!r} is not a resource id: ids are UUIDs such as "
                           f"'0190b3a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b'.", slug="invalid-resource-id")
    return candidate


def validate_name(name: Any) -> str:
    """A display name: 1..255 characters, no control or line-separator characters (so it can
    never inject anything into a header such as Content-Disposition)."""
    if not isinstance(name, str) or not name.strip():
        raise Problem(422, "The name must be a non-empty string.", slug="invalid-name")
    if len(name) > MAX_NAME_LENGTH:
        raise Problem(422, f"The name is longer than {MAX_NAME_LENGTH} characters.",
                      slug="invalid-name")
    if not name.isprintable():  # rejects control, format, separator (but space), surrogate chars
        raise Problem(422, "The name contains control, format or line-separator characters.",
                      slug="invalid-name")
    return name


def validate_content_type(value: str) -> str:
    """A media type as RFC 9110 §8.3.1 spells it (type and subtype lower-cased); 400 otherwise."""
    match = _MEDIA_TYPE.match(value.strip()) if len(value) <= MAX_CONTENT_TYPE_LENGTH else None
    if not match:
        raise Problem(400, f"{value[:80]!r} is not a valid media type (type/subtype[; param=value]).",
                      slug="invalid-content-type")
    parameters = match.group(3).strip()
    return f"{match.group(1).lower()}/{match.group(2).lower()}{parameters}"


def _unicode_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_metadata(metadata: Any, max_bytes: int) -> dict[str, str]:
    """User metadata: a flat JSON object of strings, at most ``max_bytes`` as UTF-8 JSON; 422."""
    if not isinstance(metadata, dict) or not all(
            isinstance(key, str) and key and isinstance(value, str) and _unicode_ok(key + value)
            for key, value in metadata.items()):
        raise Problem(422, "Metadata must be a flat JSON object whose keys are non-empty strings and "
                           "whose values are strings.", slug="invalid-metadata")
    size = len(_metadata_json(metadata))
    if size > max_bytes:
        raise Problem(422, f"The metadata takes {size} bytes as UTF-8 JSON; at most {max_bytes} "
                           f"are allowed.", slug="metadata-too-large",
                      extra={"max_bytes": max_bytes, "size": size})
    return dict(metadata)


def _metadata_json(metadata: Mapping[str, str]) -> bytes:
    return json.dumps(metadata, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---------------------------------------------------------------------------------------------
# Preconditions (RFC 9110 §13.1.1, §13.1.2, §13.2.2)

@dataclass(frozen=True)
class Preconditions:
    """The entity tags of ``If-Match`` / ``If-None-Match`` as sent (``"*"`` for any), or None."""

    if_match: tuple[str, ...] | None = None
    if_none_match: tuple[str, ...] | None = None

    def allows(self, etag: str | None, *, read: bool = False) -> bool:
        """Evaluate against the current ETag (None: no resource). Raises 412 when a write's
        condition fails; for reads, False means "not modified" (304)."""
        if self.if_match is not None:
            strong = {tag for tag in self.if_match if not tag.startswith("W/")}
            if etag is None or not ("*" in self.if_match or etag in strong):
                raise _precondition_failed("If-Match")
        if self.if_none_match is not None and etag is not None:
            weak = {tag.removeprefix("W/") for tag in self.if_none_match}
            if "*" in weak or etag.removeprefix("W/") in weak:
                if read:
                    return False
                raise _precondition_failed("If-None-Match")
        return True


CREATE_ONLY = Preconditions(if_none_match=("*",))


# ---------------------------------------------------------------------------------------------
# Listing cursors: opaque to clients, validated here

def _owner_tag(owner: Owner) -> str:
    return hashlib.sha256(owner.namespace.encode()).hexdigest()[:16]


def _invalid_cursor(reason: str) -> Problem:
    return Problem(400, f"The cursor is not valid here: {reason}. Use the next_cursor of the "
                        f"previous page with the same kind filter.", slug="invalid-cursor")


@dataclass(frozen=True)
class _Position:
    """Where a listing resumes: at the storage page ``token`` (None: the first page), skipping ids
    up to and including ``after``."""

    token: str | None = None
    after: str | None = None

    def encode(self, owner: Owner, kind: str | None) -> str:
        document = {"v": 1, "o": _owner_tag(owner), "k": kind, "t": self.token, "a": self.after}
        return _b64(json.dumps(document, separators=(",", ":")).encode())

    @classmethod
    def decode(cls, cursor: str, owner: Owner, kind: str | None) -> "_Position":
        try:
            document = json.loads(_unb64(cursor))
        except (ValueError, binascii.Error):
            raise _invalid_cursor("it is not a cursor this API issued") from None
        if not (isinstance(document, dict) and set(document) == {"v", "o", "k", "t", "a"}
                and document["v"] == 1 and isinstance(document["t"], (str, type(None)))
                and (document["a"] is None
                     or isinstance(document["a"], str) and _UUID_TEXT.match(document["a"]))):
            raise _invalid_cursor("it is not a cursor this API issued")
        if document.get("o") != _owner_tag(owner):
            raise _invalid_cursor("it belongs to another caller's listing")
        if document.get("k") != kind:
            raise _invalid_cursor("it was issued for a different kind filter")
        return cls(document["t"], document["a"])


# ---------------------------------------------------------------------------------------------
# The store

class _ForeignBlob(Exception):
    """A blob in the resources container that this module did not write."""


class ResourceStore:
    """Resources of one owner at a time; stateless (settings are read per instance).

    Python API for other modules (e.g. the classify function)::

        store = ResourceStore()
        record, content = store.read(owner, scene_id)
        result = store.create(owner, png_bytes, kind="classification", content_type="image/png",
                              name="classes.png", source=scene_id, model_version="2024.1")
    """

    def __init__(self) -> None:
        settings = get_settings()
        self.container = settings.resources_container
        self.max_metadata_bytes = min(settings.max_metadata_bytes, METADATA_BYTES_CEILING)

    # -- reads -----------------------------------------------------------------------------

    def get(self, owner: Owner, resource_id: str) -> ResourceRecord:
        """The record of ``resource_id``; 404 when the owner has no such resource."""
        resource_id = normalize_id(resource_id)
        record = self._current(owner, resource_id)
        if record is None:
            raise not_found(resource_id)
        return record

    def read(self, owner: Owner, resource_id: str) -> tuple[ResourceRecord, bytes]:
        """The record and the whole content, consistent with each other."""
        record, _, content = self.read_content(owner, resource_id, _WholeContent.of)
        return record, content

    def read_content(self, owner: Owner, resource_id: str, plan: Callable[[ResourceRecord], P]
                     ) -> tuple[ResourceRecord, P, bytes]:
        """Read the record, let ``plan`` choose the bytes (it may raise a Problem, e.g. 412/416),
        and download exactly those bytes of exactly that version (retried if it changed)."""
        resource_id = normalize_id(resource_id)
        for _ in _attempts():
            record = self.get(owner, resource_id)
            chosen = plan(record)
            span = chosen.span
            if span is None:
                return record, chosen, b""
            try:
                content = run_or_unavailable(lambda svc: self._blob(svc, owner, resource_id).download_blob(
                    offset=span.offset, length=span.length, etag=record.etag,
                    match_condition=MatchConditions.IfNotModified,
                    max_concurrency=DOWNLOAD_CONCURRENCY).readall())
            except ResourceModifiedError:
                continue
            except ResourceNotFoundError:
                raise not_found(resource_id) from None
            return record, chosen, content
        raise _conflict()

    def list(self, owner: Owner, *, kind: str | None = None, limit: int = DEFAULT_LIST_LIMIT,
             cursor: str | None = None) -> Page:
        """Up to ``limit`` records in id order (see module doc), optionally of one ``kind``.

        A page may hold fewer than ``limit`` items and still have a ``next_cursor`` (a sparse
        kind filter reads at most MAX_STORAGE_PAGES_PER_LIST storage pages per call).
        """
        if kind is not None and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise ValueError(f"limit {limit} is outside 1..{MAX_LIST_LIMIT}")
        position = _Position.decode(cursor, owner, kind) if cursor else _Position()
        prefix = owner.namespace + "/"
        try:
            return run_or_unavailable(lambda svc: self._list_page(svc, owner, prefix, kind, limit,
                                                          position))
        except ResourceNotFoundError:  # no container yet: nothing was ever stored
            return Page([], None)
        except HttpResponseError as exc:
            if cursor and exc.status_code == 400:
                raise _invalid_cursor("storage rejected its continuation token") from None
            raise

    def _list_page(self, svc: BlobServiceClient, owner: Owner, prefix: str, kind: str | None,
                   limit: int, position: _Position) -> Page:
        container = svc.get_container_client(self.container)
        pages = container.list_blobs(name_starts_with=prefix, include=["metadata"],
                                     results_per_page=limit).by_page(
            continuation_token=position.token)
        items: list[ResourceRecord] = []
        page_token, after = position.token, position.after
        for _ in range(MAX_STORAGE_PAGES_PER_LIST):
            page = next(pages, None)
            if page is None:
                return Page(items, None)
            blobs = list(page)
            for index, blob in enumerate(blobs):
                resource_id = blob.name[len(prefix):]
                if after is not None and resource_id <= after:
                    continue
                record = self._record_or_none(resource_id, blob)
                if record is None or (kind is not None and record.kind != kind):
                    continue
                items.append(record)
                if len(items) == limit:
                    if index < len(blobs) - 1:
                        return Page(items, _Position(page_token, record.id).encode(owner, kind))
                    return Page(items, _Position(pages.continuation_token).encode(owner, kind)
                                if pages.continuation_token else None)
            page_token, after = pages.continuation_token, None
            if page_token is None:
                return Page(items, None)
        return Page(items, _Position(page_token).encode(owner, kind))

    # -- writes ----------------------------------------------------------------------------

    def create(self, owner: Owner, content: bytes | bytearray | memoryview, *, kind: str,
               content_type: str, name: str | None = None, metadata: Mapping[str, str] | None = None,
               source: str | None = None, model_version: str | None = None) -> ResourceRecord:
        """Store new content under a new server-assigned id (UUIDv7). ``source`` and
        ``model_version`` are for classifications only. ``name`` defaults to the id."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        if kind == "scene" and (source is not None or model_version is not None):
            raise ValueError("a scene has no source or model version")
        if source is not None:
            source = normalize_id(source)
        if model_version is not None and not (
                0 < len(model_version) <= MAX_MODEL_VERSION_LENGTH and model_version.isprintable()):
            raise ValueError(f"invalid model version {model_version!r}")
        record, _ = self._write(owner, new_resource_id(), content, kind=kind,
                                content_type=content_type, name=name, metadata=metadata,
                                source=source, model_version=model_version, conditions=CREATE_ONLY)
        return record

    def put(self, owner: Owner, resource_id: str, content: bytes | bytearray | memoryview, *,
            content_type: str, name: str | None = None, metadata: Mapping[str, str] | None = None,
            conditions: Preconditions = Preconditions()) -> tuple[ResourceRecord, bool]:
        """Create or replace the content of the scene ``resource_id``; True when it was created.

        On replacement the name and metadata are kept unless given, ``created`` is kept. A
        classification cannot be replaced (409): results come from the classify function.
        """
        return self._write(owner, normalize_id(resource_id), content, kind="scene",
                           content_type=content_type, name=name, metadata=metadata, source=None,
                           model_version=None, conditions=conditions)

    def update(self, owner: Owner, resource_id: str, change: Callable[[ResourceRecord], RecordChange],
               conditions: Preconditions = Preconditions()) -> ResourceRecord:
        """Apply ``change`` (computed from the current record) to name and metadata.

        Without preconditions a concurrent write makes it re-read and re-apply ``change``, so no
        update is lost; with ``If-Match`` the loser of a race gets 412.
        """
        resource_id = normalize_id(resource_id)
        for _ in _attempts():
            current = self.get(owner, resource_id)
            conditions.allows(current.etag)
            wanted = change(current)
            name = validate_name(wanted.name)
            metadata = validate_metadata(wanted.metadata, self.max_metadata_bytes)
            if name == current.name and metadata == dict(current.metadata):
                return current
            updated = replace(current, name=name, metadata=metadata, updated=_now())
            try:
                result = run_or_unavailable(lambda svc: self._blob(svc, owner, resource_id).set_blob_metadata(
                    self._blob_metadata(updated), etag=current.etag,
                    match_condition=MatchConditions.IfNotModified))
            except ResourceModifiedError:
                continue
            except ResourceNotFoundError:
                raise not_found(resource_id) from None
            return replace(updated, etag=result["etag"])
        raise _conflict()

    def delete(self, owner: Owner, resource_id: str,
               conditions: Preconditions = Preconditions()) -> None:
        """Delete the resource (404 when absent). Results made from a deleted scene are kept."""
        resource_id = normalize_id(resource_id)
        for _ in _attempts():
            current = self.get(owner, resource_id)
            conditions.allows(current.etag)
            try:
                run_or_unavailable(lambda svc: self._blob(svc, owner, resource_id).delete_blob(
                    etag=current.etag, match_condition=MatchConditions.IfNotModified))
            except ResourceModifiedError:
                continue
            except ResourceNotFoundError:
                raise not_found(resource_id) from None
            return
        raise _conflict()

    def _write(self, owner: Owner, resource_id: str, content: bytes | bytearray | memoryview, *,
               kind: str, content_type: str, name: str | None, metadata: Mapping[str, str] | None,
               source: str | None, model_version: str | None, conditions: Preconditions
               ) -> tuple[ResourceRecord, bool]:
        view = memoryview(content).cast("B")
        if view.nbytes == 0:
            raise Problem(400, "The content is empty. Send the file as the request body with a "
                               "Content-Length (chunked bodies without a length arrive empty).",
                          slug="empty-content")
        content_type = validate_content_type(content_type)
        name = None if name is None else validate_name(name)
        metadata = None if metadata is None else validate_metadata(metadata, self.max_metadata_bytes)
        digest: str | None = None
        for _ in _attempts():
            current = self._current(owner, resource_id)
            conditions.allows(current.etag if current else None)
            if current is not None and current.kind != kind:
                raise Problem(409, f"Resource {resource_id} is a {current.kind}; its content cannot "
                                   f"be replaced (delete it first).", slug="kind-conflict")
            now = _now()
            record = ResourceRecord(
                id=resource_id, kind=kind, content_type=content_type, size=view.nbytes,
                sha256=digest or "", created=current.created if current else now, updated=now,
                etag="", source=source, model_version=model_version,
                name=name if name is not None else (current.name if current else resource_id),
                metadata=metadata if metadata is not None else (current.metadata if current else {}))
            condition = ({"etag": current.etag, "match_condition": MatchConditions.IfNotModified}
                         if current else {"match_condition": MatchConditions.IfMissing})
            try:
                blocks, digest = self._stage(owner, resource_id, view, digest)
                record = replace(record, sha256=digest)
                result = run_or_unavailable(lambda svc: self._blob(svc, owner, resource_id).commit_block_list(
                    blocks, content_settings=ContentSettings(content_type=content_type),
                    metadata=self._blob_metadata(record), **condition))
            except (ResourceModifiedError, ResourceExistsError):
                continue  # someone else wrote in between: evaluate the preconditions again
            except ResourceNotFoundError as exc:
                if exc.error_code != StorageErrorCode.CONTAINER_NOT_FOUND:
                    raise
                self._create_container()
                continue
            except HttpResponseError as exc:
                # Another writer's commit discarded our uncommitted blocks: stage them again.
                if exc.error_code != StorageErrorCode.INVALID_BLOCK_LIST:
                    raise
                continue
            return replace(record, etag=result["etag"]), current is None
        raise _conflict()

    def _stage(self, owner: Owner, resource_id: str, view: memoryview, digest: str | None
               ) -> tuple[list[BlobBlock], str]:
        """Stage ``view`` as blocks (in parallel; slices of the caller's buffer, no copies),
        hashing it meanwhile unless ``digest`` is already known. Invisible until committed."""
        upload = uuid.uuid4().hex  # block ids unique to this attempt, all of the same length
        spans = [ByteSpan(offset, min(BLOCK_SIZE, view.nbytes - offset))
                 for offset in range(0, view.nbytes, BLOCK_SIZE)]
        block_ids = [f"{upload}-{index:05d}" for index in range(len(spans))]

        def stage(block_id: str, span: ByteSpan) -> None:
            chunk = view[span.offset:span.offset + span.length]
            run_or_unavailable(lambda svc: self._blob(svc, owner, resource_id).stage_block(
                block_id, chunk, length=span.length))

        hasher = hashlib.sha256() if digest is None else None
        with ThreadPoolExecutor(max_workers=min(UPLOAD_CONCURRENCY, len(spans)),
                                thread_name_prefix="resource-upload") as pool:
            futures = [pool.submit(stage, block_id, span) for block_id, span in zip(block_ids, spans)]
            try:
                if hasher is not None:
                    for span in spans:  # hashlib releases the GIL: this overlaps the uploads
                        hasher.update(view[span.offset:span.offset + span.length])
                for future in futures:
                    future.result()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
        return [BlobBlock(block_id) for block_id in block_ids], digest or hasher.hexdigest()

    # -- storage plumbing ------------------------------------------------------------------

    def _blob(self, svc: BlobServiceClient, owner: Owner, resource_id: str) -> BlobClient:
        return svc.get_blob_client(self.container, f"{owner.namespace}/{resource_id}")

    def _create_container(self) -> None:
        """Create the container on first use; a concurrent creator winning is fine."""
        try:
            run_or_unavailable(lambda svc: svc.create_container(self.container))
            log.info("created blob container %s", self.container)
        except ResourceExistsError:
            pass

    def _current(self, owner: Owner, resource_id: str) -> ResourceRecord | None:
        try:
            properties = run_or_unavailable(
                lambda svc: self._blob(svc, owner, resource_id).get_blob_properties())
        except ResourceNotFoundError:  # no such blob, or no container yet
            return None
        return self._record_or_none(resource_id, properties)

    def _record_or_none(self, resource_id: str, properties: BlobProperties) -> ResourceRecord | None:
        try:
            return _record_from(resource_id, properties)
        except _ForeignBlob:
            log.warning("ignoring blob %s: it is not a resource written by this API",
                        properties.name)
            return None

    @staticmethod
    def _blob_metadata(record: ResourceRecord) -> dict[str, str]:
        metadata = {"icesurf": FORMAT_VERSION, "kind": record.kind,
                    "name_b64": _b64(record.name.encode("utf-8")), "sha256": record.sha256,
                    "created": record.created, "updated": record.updated}
        if record.metadata:
            metadata["meta_b64"] = _b64(_metadata_json(record.metadata))
        if record.source is not None:
            metadata["source"] = record.source
        if record.model_version is not None:
            metadata["model_b64"] = _b64(record.model_version.encode("utf-8"))
        return metadata


def _record_from(resource_id: str, properties: BlobProperties) -> ResourceRecord:
    """The record stored in a blob's properties and metadata (see the module doc)."""
    stored = {key.lower(): value for key, value in (properties.metadata or {}).items()}
    if stored.get("icesurf") != FORMAT_VERSION or not _UUID_TEXT.match(resource_id):
        raise _ForeignBlob(properties.name)
    try:
        return ResourceRecord(
            id=resource_id, kind=stored["kind"], name=_unb64(stored["name_b64"]).decode("utf-8"),
            content_type=properties.content_settings.content_type or "application/octet-stream",
            size=properties.size, sha256=stored["sha256"], created=stored["created"],
            updated=stored["updated"], etag=_quoted(properties.etag),
            metadata=json.loads(_unb64(stored["meta_b64"])) if "meta_b64" in stored else {},
            source=stored.get("source"),
            model_version=(_unb64(stored["model_b64"]).decode("utf-8")
                           if "model_b64" in stored else None))
    except (KeyError, ValueError, binascii.Error) as exc:
        raise _ForeignBlob(properties.name) from exc


def _quoted(etag: str) -> str:
    """The ETag as an HTTP entity tag: List Blobs returns it bare, the headers quoted."""
    return etag if etag.startswith('"') else f'"{etag}"'


@dataclass(frozen=True)
class _WholeContent:
    """The plan of :meth:`ResourceStore.read`: all bytes."""

    span: ByteSpan | None

    @classmethod
    def of(cls, record: ResourceRecord) -> "_WholeContent":
        return cls(ByteSpan(0, record.size))

