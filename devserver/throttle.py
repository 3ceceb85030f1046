"""host.json ``maxConcurrentRequests`` / ``maxOutstandingRequests``, as the host's request queue.

The host queues requests in a Dataflow ``ActionBlock`` with ``MaxDegreeOfParallelism =
maxConcurrentRequests`` and ``BoundedCapacity = maxOutstandingRequests``, so "outstanding" counts
the executing requests too; a request that does not fit is rejected with 429 and
``X-FUNCTION-SCALEOUT: 1`` (``HttpRequestQueue.cs``, ``HttpThrottleMiddleware.cs``). -1 means unbounded.
"""
from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator

from devserver.hostconfig import UNBOUNDED


class Throttled(Exception):
    """The request does not fit in the queue: answer 429."""


class RequestQueue:
    """Admission (outstanding limit) and execution slots (concurrency limit); event-loop only."""

    def __init__(self, max_concurrent: int, max_outstanding: int) -> None:
        self.max_outstanding = max_outstanding
        self.outstanding = 0
        self._slots = asyncio.Semaphore(max_concurrent) if max_concurrent != UNBOUNDED else None

    @contextlib.asynccontextmanager
    async def admitted(self) -> AsyncIterator[None]:
        """Hold a place in the queue, then an execution slot; raise :class:`Throttled` when full."""
        if self.max_outstanding != UNBOUNDED and self.outstanding >= self.max_outstanding:
            raise Throttled()
        self.outstanding += 1
        try:
            if self._slots is None:
                yield
            else:
                async with self._slots:
                    yield
        finally:
            self.outstanding -= 1
