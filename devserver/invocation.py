"""Calling a function and turning what it did into the HTTP answer the real host would give.

Outcome table (functions-host.md §2.8, the worker's ``tests/unittests/test_http_functions.py``):

======================================================  =========================================
function behaviour                                       HTTP result
======================================================  =========================================
returns / sets an ``HttpResponse``                       its status, headers and body; content type
                                                         defaults as ``HttpResponseConverter.encode``
returns ``str`` with a ``$return`` http binding          200, ``text/plain; charset=utf-8``
returns ``None`` (or ``bytes``, ...) with ``$return``     500, empty body
no http output binding, returns ``None``                 204
no ``$return`` binding but returns a value               500, empty body
raises                                                   500, empty body; logs ``Exception: T: msg``
still running after ``functionTimeout``                  500, empty body (the thread is abandoned)
load failed at start-up                                  500, empty body
======================================================  =========================================
"""
from __future__ import annotations

import asyncio
import logging
import threading
import traceback
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import azure.functions as func
from azure.functions.http import HttpResponseConverter

from devserver.discovery import FunctionSpec
from devserver.loader import LoadedFunction

log = logging.getLogger("devserver")

Headers = list[tuple[bytes, bytes]]
# Framing headers are the server's business (Kestrel computes them); the function's are dropped.
_FRAMING_HEADERS = {"content-length", "transfer-encoding", "connection"}


@dataclass
class Outcome:
    status: int
    headers: Headers = field(default_factory=list)
    body: bytes = b""

    @classmethod
    def empty(cls, status: int, headers: Headers | None = None) -> "Outcome":
        return cls(status, headers or [])


class _Out(func.Out):
    """The value holder passed for a named output binding (``func.Out[...]``)."""

    def __init__(self) -> None:
        self._value: Any = None

    def set(self, val: Any) -> None:
        self._value = val

    def get(self) -> Any:
        return self._value


@dataclass(frozen=True)
class _TraceContext:
    """No distributed tracing locally: empty W3C trace context."""

    trace_state: str = ""
    trace_parent: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _RetryContext:
    """HTTP triggers are never retried."""

    retry_count: int = 0
    max_retry_count: int = 0
    exception: None = None


class _Context(func.Context):
    """What the worker passes to a ``context`` parameter."""

    _thread_local = threading.local()

    def __init__(self, invocation_id: str, spec: FunctionSpec) -> None:
        self._invocation_id = invocation_id
        self._spec = spec

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> threading.local:
        return self._thread_local

    @property
    def function_name(self) -> str:
        return self._spec.name

    @property
    def function_directory(self) -> str:
        return str(self._spec.directory)

    @property
    def trace_context(self) -> _TraceContext:
        return _TraceContext()

    @property
    def retry_context(self) -> _RetryContext:
        return _RetryContext()


class Invoker:
    """Runs functions: sync ones on the host's thread pool, async ones on the event loop."""

    def __init__(self, executor: Executor, timeout_seconds: float | None, timeout_text: str) -> None:
        self.executor = executor
        self.timeout_seconds = timeout_seconds
        self.timeout_text = timeout_text

    async def invoke(self, spec: FunctionSpec, loaded: LoadedFunction | Exception,
                     request: func.HttpRequest, invocation_id: str) -> Outcome:
        if isinstance(loaded, Exception):
            log.error("Executed 'Functions.%s' (Failed, Id=%s): %s", spec.name, invocation_id, loaded)
            return Outcome.empty(500)
        outputs = {name: _Out() for name in loaded.out_parameters}
        kwargs: dict[str, Any] = {loaded.trigger_parameter: request, **outputs}
        if loaded.requires_context:
            kwargs["context"] = _Context(invocation_id, spec)
        try:
            if loaded.is_async:
                call = loaded.main(**kwargs)
            else:
                loop = asyncio.get_running_loop()
                call = loop.run_in_executor(self.executor, lambda: loaded.main(**kwargs))
            returned = await asyncio.wait_for(call, self.timeout_seconds)
        except asyncio.TimeoutError:
            log.error("Timeout value of %s was exceeded by function: Functions.%s (Id=%s). The real "
                      "host restarts the worker process; the local host abandons the running call.",
                      self.timeout_text, spec.name, invocation_id)
            return Outcome.empty(500)
        except Exception as exc:  # noqa: BLE001 - the function's failure is the outcome
            log.error("Executed 'Functions.%s' (Failed, Id=%s)\nException: %s: %s\n%s", spec.name,
                      invocation_id, type(exc).__name__, exc,
                      "".join(traceback.format_exception(exc)).rstrip())
            return Outcome.empty(500)
        return _outcome(spec, returned, outputs, invocation_id)


def _outcome(spec: FunctionSpec, returned: Any, outputs: dict[str, _Out], invocation_id: str) -> Outcome:
    http_output = spec.http_output
    has_return = any(b.name == "$return" for b in spec.bindings)
    if not has_return and returned is not None:
        return _failed(spec, invocation_id, "function without a $return binding returned a "
                                            "non-None value")
    if http_output is None:
        return Outcome.empty(204)
    if http_output.name == "$return":
        value = returned
    else:
        value = outputs[http_output.name].get()
        if value is None:
            return Outcome.empty(204)
    if isinstance(value, str):
        return Outcome(200, [(b"content-type", b"text/plain; charset=utf-8")], value.encode("utf-8"))
    if isinstance(value, func.HttpResponse):
        return _response_outcome(spec, value, invocation_id)
    return _failed(spec, invocation_id, f"unable to encode outgoing TypedData: unsupported type "
                                        f"\"http\" for Python type \"{type(value).__name__}\"")


def _response_outcome(spec: FunctionSpec, response: func.HttpResponse, invocation_id: str) -> Outcome:
    """The wire form, via the library's own converter (default content type, cookies)."""
    datum = HttpResponseConverter.encode(response, expected_type=None).value
    status = int(datum["status_code"].value)
    if not 100 <= status <= 599:
        return _failed(spec, invocation_id, f"invalid HTTP status code {status}")
    headers = [(name.lower().encode("latin-1"), str(value.value).encode("latin-1"))
               for name, value in datum["headers"].items()
               if name.lower() not in _FRAMING_HEADERS]
    for cookie in datum["cookies"] or ():
        headers.extend((b"set-cookie", morsel.OutputString().encode("latin-1"))
                       for morsel in cookie.values())
    return Outcome(status, headers, datum["body"].value or b"")


def _failed(spec: FunctionSpec, invocation_id: str, reason: str) -> Outcome:
    log.error("Executed 'Functions.%s' (Failed, Id=%s): %s", spec.name, invocation_id, reason)
    return Outcome.empty(500)
