"""The raw ASGI application: the real host's HTTP pipeline for one function app.

Order of the checks (as in the host's middleware): request queue (429) → homepage → route and
method (404) → disabled function (404) → key authorization (401) → body size (413) → invocation.
Every rejection has an empty body, like the host's. One log line per request: method, path (never
the query, which may hold ``code=<key>``), function, status, duration and invocation id.
"""
from __future__ import annotations

import ctypes
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Mapping
from urllib.parse import unquote_plus

from azure.functions.http import HttpRequest

from devserver.discovery import FunctionSpec
from devserver.invocation import Headers, Invoker, Outcome
from devserver.keys import ADMIN, NONE, KeyStore, authorized, presented_key
from devserver.loader import LoadedFunction
from devserver.routing import RouteTable, split_path
from devserver.throttle import RequestQueue, Throttled

log = logging.getLogger("devserver")

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

DEFAULT_BODY_LIMIT = 104_857_600  # Kestrel MaxRequestBodySize in the host
RESPONSE_CHUNK = 1 << 20
SCALE_OUT_HEADER = (b"x-function-scaleout", b"1")
HOMEPAGE = (b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Azure Functions</title>"
            b"</head><body><h1>Your Functions 4.0 app is up and running</h1><p>Served by the "
            b"project's local Functions host (python -m devserver).</p></body></html>")


@dataclass(frozen=True)
class HostedFunction:
    spec: FunctionSpec
    loaded: LoadedFunction | Exception  # the load error, for a function that failed to load


@dataclass
class HostState:
    """Everything the pipeline needs, built once at start-up (see :mod:`devserver.server`)."""

    routes: RouteTable
    functions: Mapping[str, HostedFunction]
    invoker: Invoker
    queue: RequestQueue
    key_store: KeyStore | None  # None: authorization off (``func start`` without --enableAuth)
    body_limit: int = DEFAULT_BODY_LIMIT
    homepage_disabled: bool = False


class _BodyTooLarge(Exception):
    pass


class _ClientGone(Exception):
    pass


# PyBytes_FromStringAndSize(NULL, n) returns a fresh, uninitialised bytes object that C code may
# fill before anyone else sees it (documented C-API contract). The request body is received straight
# into it, so the function gets real ``bytes`` (as from the worker) without a second copy.
_new_bytes = ctypes.pythonapi.PyBytes_FromStringAndSize
_new_bytes.restype = ctypes.py_object
_new_bytes.argtypes = (ctypes.c_void_p, ctypes.c_ssize_t)
_bytes_buffer = ctypes.pythonapi.PyBytes_AsString
_bytes_buffer.restype = ctypes.c_void_p
_bytes_buffer.argtypes = (ctypes.py_object,)


def _preallocated_bytes(size: int) -> tuple[bytes, memoryview]:
    """A new ``bytes`` of ``size`` (> 0) and a writable view of its storage, for filling it once."""
    data = _new_bytes(None, size)
    storage = (ctypes.c_char * size).from_address(_bytes_buffer(data))
    return data, memoryview(storage).cast("B")


class FunctionsApp:
    """ASGI entry point (HTTP only; the server runs it with lifespan off)."""

    def __init__(self, state: HostState) -> None:
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        invocation_id = str(uuid.uuid4())
        function = "-"
        status = 500
        try:
            function, status = await self._handle(scope, receive, send, invocation_id)
        except _ClientGone:
            status = 499
        finally:
            log.info("%s %s -> %s %d %.1f ms (id=%s)", scope["method"], scope["path"], function,
                     status, (time.perf_counter() - started) * 1000, invocation_id)

    async def _handle(self, scope: dict[str, Any], receive: Receive, send: Send,
                      invocation_id: str) -> tuple[str, int]:
        state = self.state
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        try:
            async with state.queue.admitted():
                if raw_path == b"/":
                    if state.homepage_disabled:
                        return "-", await _respond(send, Outcome.empty(204))
                    return "-", await _respond(send, Outcome(
                        200, [(b"content-type", b"text/html; charset=utf-8")], HOMEPAGE))
                match = state.routes.match(scope["method"], split_path(raw_path))
                if match is None:
                    return "-", await _respond(send, Outcome.empty(404))
                route, route_params = match
                hosted = state.functions[route.function]
                return hosted.spec.name, await self._run(scope, receive, send, hosted, route_params,
                                                          invocation_id)
        except Throttled:
            return "-", await _respond(send, Outcome.empty(429, [SCALE_OUT_HEADER]))

    async def _run(self, scope: dict[str, Any], receive: Receive, send: Send, hosted: HostedFunction,
                   route_params: dict[str, str], invocation_id: str) -> int:
        state, spec = self.state, hosted.spec
        headers = _request_headers(scope["headers"])
        query = _query_params(scope.get("query_string", b""))
        granted = NONE
        if state.key_store is not None:
            granted = state.key_store.level_of(presented_key(headers, query), spec.name)
        if spec.disabled and granted != ADMIN:
            return await _respond(send, Outcome.empty(404))
        if state.key_store is not None and not authorized(spec.auth_level, granted):
            return await _respond(send, Outcome.empty(401))
        try:
            body = await _read_body(receive, headers, state.body_limit)
        except _BodyTooLarge:
            return await _respond(send, Outcome.empty(413))
        request = HttpRequest(scope["method"], _request_url(scope, headers, raw_query=scope.get(
            "query_string", b"")), headers=headers, params=query, route_params=route_params,
            body_type="bytes", body=body)
        del body  # the request holds the only reference the host keeps
        outcome = await state.invoker.invoke(spec, hosted.loaded, request, invocation_id)
        return await _respond(send, outcome)


def _request_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Lower-cased names; repeated headers comma-joined (``StringValues.ToString()``)."""
    headers: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        headers[key] = f"{headers[key]},{text}" if key in headers else text
    return headers


def _query_params(raw: bytes) -> dict[str, str]:
    """One string per key (keys case-insensitive, first spelling kept), repeats joined with ``,``,
    and keys whose joined value is empty dropped — as the host's ``ToRpcHttp``."""
    values: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for pair in raw.decode("latin-1").split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        name = unquote_plus(name)
        if not name:
            continue
        key = spelling.setdefault(name.lower(), name)
        values.setdefault(key, []).append(unquote_plus(value))
    joined = {key: ",".join(items) for key, items in values.items()}
    return {key: value for key, value in joined.items() if value}


def _request_url(scope: dict[str, Any], headers: Mapping[str, str], raw_query: bytes) -> str:
    """``{scheme}://{Host}{Path}{QueryString}`` (``X-Forwarded-Proto`` and ``DISGUISED-HOST`` win)."""
    scheme = headers.get("x-forwarded-proto") or scope.get("scheme", "http")
    host = headers.get("disguised-host") or headers.get("host")
    if not host:
        server = scope.get("server") or ("localhost", None)
        host = f"{server[0]}:{server[1]}" if server[1] else str(server[0])
    path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = f"?{raw_query.decode('latin-1')}" if raw_query else ""
    return f"{scheme}://{host}{path}{query}"


async def _read_body(receive: Receive, headers: Mapping[str, str], limit: int) -> bytes:
    """The body, as the host forwards it: only when ``Content-Length > 0``; else drained and ``b''``.

    Over ``limit`` is :class:`_BodyTooLarge`, checked on ``Content-Length`` first and while a body
    without a length streams in. A declared length is received into one preallocated buffer.
    """
    declared = headers.get("content-length")
    length = int(declared) if declared and declared.isdigit() else None
    if length is not None and length > limit:
        raise _BodyTooLarge()
    if length == 0:
        return b""
    data, view = (b"", None) if length is None else _preallocated_bytes(length)
    received = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone()
        chunk = message.get("body", b"")
        more = message.get("more_body", False)
        if view is not None:
            view[received:received + len(chunk)] = chunk
        received += len(chunk)
        if received > limit:
            raise _BodyTooLarge()
    if view is not None:
        view.release()
        if received != length:
            raise _ClientGone()
    return data


async def _respond(send: Send, outcome: Outcome) -> int:
    """Send the outcome; bodies leave in memoryview slices (no copies of the whole body)."""
    body = memoryview(outcome.body)
    headers: Headers = [*outcome.headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": outcome.status, "headers": headers})
    offset = 0
    while True:
        chunk = body[offset:offset + RESPONSE_CHUNK]
        offset += len(chunk)
        more = offset < len(body)
        await send({"type": "http.response.body", "body": chunk, "more_body": more})
        if not more:
            return outcome.status
