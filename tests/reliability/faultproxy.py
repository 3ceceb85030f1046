"""A loopback TCP proxy in front of Azurite that fires a fault at an exact point of a request flow.

The app's connection string points at the proxy; the proxy forwards every byte to Azurite and
watches the request lines the app sends. When a request line matches the armed pattern for the
``nth`` time, the proxy runs the fault (typically ``Azurite.stop()``) *before* forwarding that
request, so the fault lands deterministically in the middle of an upload or a classification
instead of at a moment chosen by a sleep.
"""
from __future__ import annotations

import re
import socket
import socketserver
import threading
from typing import Callable

from tests.support.ports import free_port, wait_for_port

_REQUEST_LINE = re.compile(rb"((?:GET|PUT|HEAD|POST|DELETE) \S+) HTTP/1\.1\r\n")
_TAIL = 4096


class FaultProxy:
    """``127.0.0.1:<port>`` → ``127.0.0.1:<target_port>`` with one armed fault at a time."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None
        self._remaining = 0
        self._fault: Callable[[], None] | None = None
        self.fired = threading.Event()
        self.seen: list[str] = []  # requests seen since arming, to diagnose a fault that did not fire
        self._server: socketserver.ThreadingTCPServer | None = None

    def arm(self, pattern: str, fault: Callable[[], None], nth: int = 1) -> None:
        """Run ``fault`` when the ``nth`` request whose ``METHOD target`` (e.g. ``PUT
        /devstoreaccount1/c/b?comp=block&blockid=...``) matches ``pattern`` is sent."""
        with self._lock:
            self._pattern, self._remaining, self._fault = re.compile(pattern), nth, fault
            self.fired.clear()
            self.seen.clear()

    def _observer(self) -> Callable[[bytes], None]:
        """A per-connection watcher of the request lines in the bytes about to be forwarded
        (it keeps a tail of the previous chunk: a request line may straddle two reads)."""
        tail = b""

        def observe(data: bytes) -> None:
            nonlocal tail
            window = tail + data
            self._check([match for match in _REQUEST_LINE.finditer(window)
                         if match.end() > len(tail)])
            tail = window[-_TAIL:]

        return observe

    def _check(self, matches: list[re.Match[bytes]]) -> None:
        fault = None
        with self._lock:
            for match in matches:
                target = match.group(1).decode("latin-1")
                self.seen.append(target)
                if self._pattern is not None and self._pattern.search(target):
                    self._remaining -= 1
                    if self._remaining == 0:
                        fault, self._pattern = self._fault, None
        if fault is not None:
            fault()
            self.fired.set()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> "FaultProxy":
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                try:
                    upstream = socket.create_connection(("127.0.0.1", proxy.target_port), timeout=5)
                except OSError:
                    return  # Azurite is down: the app sees its connection closed
                upstream.settimeout(None)
                back = threading.Thread(target=_pump, args=(upstream, self.request, None),
                                        daemon=True)
                back.start()
                _pump(self.request, upstream, proxy._observer())
                back.join(timeout=10)
                upstream.close()

        server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self._server = server
        threading.Thread(target=server.serve_forever, name="fault-proxy", daemon=True).start()
        wait_for_port(self.port, 10)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _pump(source: socket.socket, sink: socket.socket,
          observe: Callable[[bytes], None] | None) -> None:
    """Copy ``source`` to ``sink`` until either side closes; then close both directions."""
    try:
        while True:
            data = source.recv(1 << 16)
            if not data:
                break
            if observe is not None:
                observe(data)
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
