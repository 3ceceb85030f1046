"""A tiny loopback HTTP server that answers from a script, for the client's retry and transfer
tests: each request takes the next scripted answer (the last one repeats) and is recorded.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Mapping


@dataclass
class Answer:
    """One scripted answer. ``cut_after``: send only that many body bytes, then drop the
    connection (the headers still announce the whole length)."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    cut_after: int | None = None


@dataclass(frozen=True)
class Seen:
    """A request as the server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body_length: int
    body_sha256: str


class ScriptedServer:
    def __init__(self, *answers: Answer) -> None:
        self.script = list(answers)
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api"

    def _next(self, seen: Seen) -> Answer:
        with self._lock:
            self.seen.append(seen)
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                answer = server._next(Seen(self.command, self.path,
                                           {k.lower(): v for k, v in self.headers.items()},
                                           len(body), hashlib.sha256(body).hexdigest()))
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.body)))
                if answer.cut_after is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if answer.cut_after is None:
                    self.wfile.write(answer.body)
                    return
                self.wfile.write(answer.body[:answer.cut_after])
                self.wfile.flush()
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        return Handler

    def __enter__(self) -> "ScriptedServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def problem(status: int, detail: str, slug: str) -> bytes:
    import json

    return json.dumps({"type": f"/problems/{slug}", "title": slug.replace("-", " ").capitalize(),
                       "status": status, "detail": detail}).encode()


PROBLEM_HEADERS = {"Content-Type": "application/problem+json"}

