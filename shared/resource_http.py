"""HTTP semantics of the Resource API: request parsing and response shaping around the store.

Uploads (raw body or multipart/form-data), RFC 7396 merge patches, the conditional headers
(RFC 9110 §13: ``If-Match``, ``If-None-Match``, ``If-Range``), single byte ranges (RFC 9110 §14),
listing queries, and the JSON/bytes answers with their headers. Storage lives in
:mod:`shared.resource_store`; the contract is in docs/resources.md.
"""
from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import quote, urlencode

import azure.functions as func

from shared.http import json_response, media_type
from shared.problems import Problem
from shared.resource_store import (DEFAULT_LIST_LIMIT, KINDS, MAX_LIST_LIMIT, ByteSpan, Page,
                                   Preconditions, RecordChange, ResourceRecord)

MERGE_PATCH_MEDIA_TYPE = "application/merge-patch+json"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
EDITABLE_MEMBERS = ("name", "metadata")
PRIVATE_REVALIDATE = {"Cache-Control": "private, no-cache"}

_ENTITY_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')
_BYTE_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


# ---------------------------------------------------------------------------------------------
# Conditional requests and ranges

def _entity_tags(header: str, value: str) -> tuple[str, ...]:
    """The entity tags of an If-Match / If-None-Match value (``("*",)`` for ``*``); 400 when
    malformed."""
    if value.strip() == "*":
        return ("*",)
    tags: list[str] = []
    position = 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if not match or match.end() == position:
            raise Problem(400, f"The {header} header is not '*' or a list of quoted entity tags "
                               f"(e.g. \"0x8DC...\").", slug="invalid-precondition")
        tags.append((match.group(1) or "") + match.group(2))
        position = match.end()
    if not tags:
        raise Problem(400, f"The {header} header is empty.", slug="invalid-precondition")
    return tuple(tags)


def preconditions(req: func.HttpRequest) -> Preconditions:
    """The request's ``If-Match`` / ``If-None-Match`` (absent headers are None)."""
    values = {name: req.headers.get(name) for name in ("if-match", "if-none-match")}
    return Preconditions(*(None if value is None else _entity_tags(name, value)
                           for name, value in values.items()))


def requested_span(req: func.HttpRequest, record: ResourceRecord) -> ByteSpan | None:
    """The single byte range to send, or None for the whole content.

    A missing, malformed, multi-range or non-bytes ``Range`` is ignored (full 200, as RFC 9110
    §14.2 allows), as is a ``Range`` whose ``If-Range`` does not strongly match the current ETag.
    A single unsatisfiable range is 416 with ``Content-Range: bytes */<size>``.
    """
    header = req.headers.get("range")
    if header is None:
        return None
    if_range = req.headers.get("if-range")
    if if_range is not None and if_range.strip() != record.etag:
        return None
    unit, _, ranges = header.partition("=")
    match = _BYTE_RANGE.match(ranges) if "," not in ranges else None
    if unit.strip().lower() != "bytes" or not match or match.group(1) == match.group(2) == "":
        return None
    first, last, size = match.group(1), match.group(2), record.size
    if first == "":  # suffix range: the last N bytes
        suffix = int(last)
        if suffix == 0:
            raise _unsatisfiable(size)
        start = max(0, size - suffix)
        return ByteSpan(start, size - start)
    start = int(first)
    if last != "" and int(last) < start:
        return None  # invalid range-spec: the header is ignored
    if start >= size:
        raise _unsatisfiable(size)
    end = size - 1 if last == "" else min(int(last), size - 1)
    return ByteSpan(start, end - start + 1)


def _unsatisfiable(size: int) -> Problem:
    return Problem(416, f"The requested range does not overlap the content ({size} bytes).",
                   slug="range-not-satisfiable", headers={"Content-Range": f"bytes */{size}"})


@dataclass(frozen=True)
class ContentAnswer:
    """What GET .../content sends: 200 whole, 206 one range, or 304 nothing."""

    status: int
    span: ByteSpan | None


def content_plan(req: func.HttpRequest) -> Callable[[ResourceRecord], ContentAnswer]:
    """The content answer for a record, decided from the request's conditional headers."""
    conditions = preconditions(req)

    def plan(record: ResourceRecord) -> ContentAnswer:
        if not conditions.allows(record.etag, read=True):
            return ContentAnswer(304, None)
        span = requested_span(req, record)
        return ContentAnswer(206, span) if span else ContentAnswer(200, ByteSpan(0, record.size))

    return plan


# ---------------------------------------------------------------------------------------------
# Request bodies

@dataclass(frozen=True)
class Upload:
    """The content of a POST/PUT and what came with it."""

    content: memoryview
    content_type: str
    name: str | None
    metadata: Mapping[str, str] | None


def read_upload(req: func.HttpRequest, max_bytes: int) -> Upload:
    """The uploaded file: the raw body (``?name=``, Content-Type), or a multipart/form-data body
    with a ``file`` part and an optional ``metadata`` part (a JSON object)."""
    body = req.get_body()
    if len(body) > max_bytes:
        raise Problem(413, f"The body has {len(body)} bytes; at most {max_bytes} are accepted.",
                      slug="content-too-large", extra={"max_bytes": max_bytes})
    name = req.params.get("name")
    if media_type(req) == "multipart/form-data":
        return _multipart_upload(req, name)
    content_type = req.headers.get("content-type", "").strip() or DEFAULT_CONTENT_TYPE
    return Upload(memoryview(body), content_type, name, None)


def _multipart_upload(req: func.HttpRequest, name: str | None) -> Upload:
    try:
        files, form = req.files, req.form
    except ValueError as exc:
        raise Problem(400, f"The multipart body cannot be parsed: {exc}",
                      slug="invalid-multipart") from None
    upload = files.get("file")
    if upload is None:
        raise Problem(400, "A multipart upload needs a 'file' part holding the content.",
                      slug="invalid-multipart")
    metadata_part = files.get("metadata")
    metadata_text = metadata_part.read() if metadata_part is not None else form.get("metadata")
    metadata = None
    if metadata_text is not None:
        try:
            metadata = json.loads(metadata_text)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply to parse
            raise Problem(400, "The 'metadata' part is not valid JSON.",
                          slug="invalid-metadata-json") from None
    return Upload(memoryview(upload.stream.read()), upload.content_type or DEFAULT_CONTENT_TYPE,
                  name if name is not None else (upload.filename or None), metadata)


def read_merge_patch(req: func.HttpRequest) -> Any:
    """The JSON merge patch of a PATCH request: 415 for another media type, 400 when not JSON."""
    if media_type(req) != MERGE_PATCH_MEDIA_TYPE:
        raise Problem(415, f"PATCH takes {MERGE_PATCH_MEDIA_TYPE} (RFC 7396).",
                      slug="unsupported-media-type",
                      headers={"Accept-Patch": MERGE_PATCH_MEDIA_TYPE})
    try:
        return json.loads(req.get_body())
    except (ValueError, RecursionError):  # RecursionError: nested too deeply to parse
        raise Problem(400, "The merge patch is not valid JSON.", slug="invalid-json") from None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 MergePatch(target, patch)."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def record_change(patch: Any) -> Callable[[ResourceRecord], RecordChange]:
    """The change a merge patch makes to a record's editable members (``name``, ``metadata``);
    422 when it touches anything else or removes the name."""
    if not isinstance(patch, dict):
        raise Problem(422, "A merge patch of a resource must be a JSON object.",
                      slug="invalid-patch")
    others = sorted(set(patch) - set(EDITABLE_MEMBERS))
    if others:
        raise Problem(422, f"Only {' and '.join(EDITABLE_MEMBERS)} can be changed; the patch also "
                           f"names {', '.join(others)}.", slug="read-only-member",
                      extra={"members": others})
    if "name" in patch and patch["name"] is None:
        raise Problem(422, "The name cannot be removed.", slug="invalid-name")

    def change(record: ResourceRecord) -> RecordChange:
        merged = merge_patch({"name": record.name, "metadata": dict(record.metadata)}, patch)
        return RecordChange(merged["name"], merged.get("metadata", {}))

    return change


# ---------------------------------------------------------------------------------------------
# Listing

@dataclass(frozen=True)
class ListQuery:
    kind: str | None
    limit: int
    cursor: str | None


def list_query(req: func.HttpRequest) -> ListQuery:
    """``?kind=``, ``?limit=`` (1..1000, default 100) and ``?cursor=``; 400 when invalid."""
    kind = req.params.get("kind")
    if kind is not None and kind not in KINDS:
        raise Problem(400, f"kind must be one of {', '.join(KINDS)}.", slug="invalid-query")
    raw_limit = req.params.get("limit")
    limit = DEFAULT_LIST_LIMIT
    if raw_limit is not None:
        limit = int(raw_limit) if raw_limit.isascii() and raw_limit.isdigit() else 0
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise Problem(400, f"limit must be an integer from 1 to {MAX_LIST_LIMIT}.",
                          slug="invalid-query")
    return ListQuery(kind, limit, req.params.get("cursor"))


def page_response(collection: str, query: ListQuery, page: Page) -> func.HttpResponse:
    """A listing page; the next page's URL also goes in a ``Link: <...>; rel="next"`` header."""
    headers = dict(PRIVATE_REVALIDATE)
    if page.next_cursor:
        params = {key: value for key, value in (("kind", query.kind), ("limit", str(query.limit)),
                                                ("cursor", page.next_cursor)) if value}
        headers["Link"] = f'<{collection}?{urlencode(params)}>; rel="next"'
    return json_response({"items": [record.to_json() for record in page.items],
                          "next_cursor": page.next_cursor}, headers=headers)


# ---------------------------------------------------------------------------------------------
# Responses

def collection_path(req: func.HttpRequest) -> str:
    """The path of the collection (``/api/resources``), whatever the route prefix."""
    path = "/" + req.url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    segments = path.rstrip("/").split("/")
    present = sum(1 for name in ("id", "part") if name in req.route_params)
    return "/".join(segments[:len(segments) - present])


def record_response(record: ResourceRecord, status: int = 200,
                    headers: Mapping[str, str] | None = None) -> func.HttpResponse:
    return json_response(record.to_json(), status=status,
                         headers={"ETag": record.etag, **PRIVATE_REVALIDATE, **(headers or {})})


def not_modified(etag: str) -> func.HttpResponse:
    return func.HttpResponse(status_code=304, headers={"ETag": etag, **PRIVATE_REVALIDATE})


def content_response(record: ResourceRecord, answer: ContentAnswer, content: bytes
                     ) -> func.HttpResponse:
    """The bytes with Content-Type, ETag, Accept-Ranges, Content-Disposition and, for 206,
    Content-Range; the whole content also carries its digest (RFC 9530 ``Repr-Digest``)."""
    if answer.span is None:
        return not_modified(record.etag)
    headers = {"Content-Type": record.content_type, "ETag": record.etag, "Accept-Ranges": "bytes",
               "Content-Disposition": content_disposition(record.name),
               "Repr-Digest": f"sha-256=:{base64.b64encode(bytes.fromhex(record.sha256)).decode()}:",
               **PRIVATE_REVALIDATE}
    if answer.status == 206:
        headers["Content-Range"] = f"bytes {answer.span.offset}-{answer.span.last}/{record.size}"
    return func.HttpResponse(content, status_code=answer.status, headers=headers)


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback filename and the exact UTF-8 one (RFC 6266)."""
    fallback = "".join(ch if " " <= ch <= "~" and ch not in '"\\' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def method_not_allowed(allowed: str) -> Problem:
    return Problem(405, f"This resource supports {allowed}.", slug="method-not-allowed",
                   headers={"Allow": allowed})
