"""Bounded load run (``make soak``; ``python -m bench.soak [--duration S] [--clients N]``).

Starts its own Azurite and the app on the local host (loopback only, free ports), then N client
threads, each with a principal (namespace) of its own, run a seeded mix of every operation for S
seconds: uploads (raw and multipart), conditional replaces and patches, reads, ranged and whole
downloads, listings, deletes, classifications of uploaded pixels and scenes and of stored scenes.
Every acknowledged write is kept in a ledger; at the end every resource is reconciled against it
(record, metadata, name and content sha256; deleted ones gone; listings exactly the ledger).

It fails (exit status 1) on any 5xx, any lost or corrupted write, or resident memory growth of
the serving process above 10 % from the end of the warm-up to the end of the run. It prints
throughput and latency percentiles per operation. Not part of the test suite.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import httpx
import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from tests.support.apphost import AppHost  # noqa: E402
from tests.support.azurite import Azurite  # noqa: E402

MODELS_CACHE = PROJECT_ROOT / ".cache" / "default-models"
MEMORY_GROWTH_LIMIT = 0.10
WARM_UP_FRACTION = 0.25
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


# ---------------------------------------------------------------------------------------------
# What the clients saw and what they were promised

@dataclass
class Expected:
    """A resource as its last acknowledged write left it."""

    record: dict
    sha256: str


@dataclass
class Stats:
    """Latencies (seconds) and statuses per operation, shared by the client threads."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, operation: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies[operation].append(seconds)
            self.statuses[operation][status] += 1

    def error(self, message: str) -> None:
        with self.lock:
            if len(self.errors) < 50:
                self.errors.append(message)

    @property
    def server_errors(self) -> int:
        return sum(count for by_status in self.statuses.values()
                   for status, count in by_status.items() if status >= 500)


def _npy(size: int, rng: random.Random) -> bytes:
    out = io.BytesIO()
    seed = rng.randrange(1 << 30)
    np.save(out, np.random.default_rng(seed).uniform(0.02, 0.95, (size, size, 5)).astype(np.float32))
    return out.getvalue()


class Client:
    """One simulated user: a principal, a seeded random mix of operations, a ledger."""

    def __init__(self, index: int, base_url: str, stats: Stats) -> None:
        self.rng = random.Random(index)
        self.principal = f"soak-{index}-{uuid.uuid4().hex[:8]}"
        self.http = httpx.Client(base_url=base_url, timeout=120,
                                 headers={"x-ms-client-principal-id": self.principal})
        self.stats = stats
        self.ledger: dict[str, Expected] = {}
        self.deleted: set[str] = set()
        self.operations: list[tuple[int, Callable[[], None]]] = [
            (12, self.create), (3, self.create_multipart), (6, self.replace), (8, self.patch),
            (14, self.read), (10, self.download), (5, self.download_range), (6, self.list),
            (4, self.delete), (10, self.classify_pixels), (6, self.classify_scene),
            (4, self.classify_stored)]

    # -- plumbing --------------------------------------------------------------------------

    def call(self, operation: str, method: str, url: str, **kwargs) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            answer = self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.stats.error(f"{operation}: {type(exc).__name__}: {exc}")
            self.stats.add(operation, time.perf_counter() - started, 599)
            return None
        self.stats.add(operation, time.perf_counter() - started, answer.status_code)
        if answer.status_code >= 500:
            self.stats.error(f"{operation}: {answer.status_code} {answer.text[:200]}")
        return answer

    def pick(self) -> str | None:
        return self.rng.choice(sorted(self.ledger)) if self.ledger else None

    def keep(self, answer: httpx.Response | None, sha256: str | None = None) -> None:
        if answer is not None and answer.status_code in (200, 201):
            record = answer.json()
            self.ledger[record["id"]] = Expected(record, sha256 or record["sha256"])

    def step(self) -> None:
        weights = [weight for weight, _ in self.operations]
        self.rng.choices([operation for _, operation in self.operations], weights)[0]()

    # -- the operations --------------------------------------------------------------------

    def create(self) -> None:
        scene = self.rng.random() < 0.6
        body = (_npy(self.rng.choice((8, 16, 32)), self.rng) if scene
                else self.rng.randbytes(self.rng.choice((1, 100, 10_000, 300_000))))
        answer = self.call("create", "POST", "/resources", content=body,
                           params={"name": f"scene-{self.rng.randrange(10**6)}"},
                           headers={"Content-Type": "application/x-npy" if scene
                                    else "application/octet-stream"})
        self.keep(answer, hashlib.sha256(body).hexdigest())

    def create_multipart(self) -> None:
        body = _npy(16, self.rng)
        metadata = {"site": f"S{self.rng.randrange(10)}", "flight": str(self.rng.randrange(100))}
        answer = self.call("create-multipart", "POST", "/resources",
                           files={"file": ("scene.npy", body, "application/x-npy"),
                                  "metadata": (None, json.dumps(metadata))})
        self.keep(answer, hashlib.sha256(body).hexdigest())

    def replace(self) -> None:
        target = self.pick()
        if target is None or self.ledger[target].record["kind"] != "scene":
            return
        body = _npy(self.rng.choice((8, 16)), self.rng)
        answer = self.call("replace", "PUT", f"/resources/{target}", content=body,
                           headers={"Content-Type": "application/x-npy",
                                    "If-Match": self.ledger[target].record["etag"]})
        self.keep(answer, hashlib.sha256(body).hexdigest())

    def patch(self) -> None:
        target = self.pick()
        if target is None:
            return
        change = {"metadata": {"note": f"n{self.rng.randrange(10**6)}"}}
        if self.rng.random() < 0.3:
            change["name"] = f"renamed-{self.rng.randrange(10**6)}"
        answer = self.call("patch", "PATCH", f"/resources/{target}", json=change,
                           headers={**MERGE_PATCH, "If-Match": self.ledger[target].record["etag"]})
        self.keep(answer, self.ledger[target].sha256)

    def read(self) -> None:
        target = self.pick()
        if target is not None:
            answer = self.call("read", "GET", f"/resources/{target}")
            if answer is not None and answer.status_code == 200 and \
                    answer.json() != self.ledger[target].record:
                self.stats.error(f"read {target}: record differs from the last acknowledged write")

    def download(self) -> None:
        target = self.pick()
        if target is not None:
            answer = self.call("download", "GET", f"/resources/{target}/content")
            if answer is not None and answer.status_code == 200 and \
                    hashlib.sha256(answer.content).hexdigest() != self.ledger[target].sha256:
                self.stats.error(f"download {target}: content differs")

    def download_range(self) -> None:
        target = self.pick()
        if target is not None:
            self.call("download-range", "GET", f"/resources/{target}/content",
                      headers={"Range": f"bytes=0-{self.rng.randrange(1, 4096)}"})

    def list(self) -> None:
        self.call("list", "GET", "/resources", params={"limit": self.rng.choice((10, 100))})

    def delete(self) -> None:
        target = self.pick()
        if target is None:
            return
        answer = self.call("delete", "DELETE", f"/resources/{target}",
                           headers={"If-Match": self.ledger[target].record["etag"]})
        if answer is not None and answer.status_code == 204:
            del self.ledger[target]
            self.deleted.add(target)

    def classify_pixels(self) -> None:
        pixels = [[self.rng.uniform(0.02, 0.95) for _ in range(5)] for _ in range(200)]
        self.call("classify-pixels", "POST", "/classify", json={"pixels": pixels})

    def classify_scene(self) -> None:
        self.call("classify-scene", "POST", "/classify", content=_npy(64, self.rng),
                  headers={"Content-Type": "application/x-npy",
                           "Accept": self.rng.choice(("application/json", "image/png",
                                                      "image/tiff"))})

    def classify_stored(self) -> None:
        scenes = sorted(rid for rid, expected in self.ledger.items()
                        if expected.record["kind"] == "scene"
                        and expected.record["content_type"] == "application/x-npy")
        if not scenes:
            return
        answer = self.call("classify-stored", "POST", f"/classify/{self.rng.choice(scenes)}")
        if answer is not None and answer.status_code == 201:
            record = answer.json()["resource"]
            self.ledger[record["id"]] = Expected(record, record["sha256"])

    # -- the final reconciliation ----------------------------------------------------------

    def reconcile(self) -> list[str]:
        """Every acknowledged write intact; nothing else listed; deleted ones gone."""
        problems = []
        listed: dict[str, dict] = {}
        cursor = None
        while True:
            page = self.http.get("/resources", params={"limit": 1000, **(
                {"cursor": cursor} if cursor else {})}).json()
            listed.update((item["id"], item) for item in page["items"])
            cursor = page["next_cursor"]
            if not cursor:
                break
        if set(listed) != set(self.ledger):
            problems.append(f"{self.principal}: listed {len(listed)} resources, ledger has "
                            f"{len(self.ledger)} (lost: {len(set(self.ledger) - set(listed))}, "
                            f"unexpected: {len(set(listed) - set(self.ledger))})")
        for resource_id, expected in self.ledger.items():
            if listed.get(resource_id) != expected.record:
                problems.append(f"{resource_id}: record differs from the last acknowledged write")
            content = self.http.get(f"/resources/{resource_id}/content")
            if hashlib.sha256(content.content).hexdigest() != expected.sha256 or \
                    expected.sha256 != expected.record["sha256"]:
                problems.append(f"{resource_id}: content sha256 differs")
        for resource_id in self.deleted:
            if self.http.get(f"/resources/{resource_id}").status_code != 404:
                problems.append(f"{resource_id}: deleted but still there")
        return problems


# ---------------------------------------------------------------------------------------------
# The run

def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(duration: float, clients: int) -> int:
    from tools.train import train_default_models

    train_default_models(MODELS_CACHE)
    with Azurite() as storage, AppHost({
            "STORAGE_CONNECTION_STRING": storage.connection_string,
            "MODEL_LOCAL_DIR": str(MODELS_CACHE)}) as host:
        stats = Stats()
        users = [Client(index, host.base_url + "/api", stats) for index in range(clients)]
        pid = host.process.pid
        started = time.monotonic()
        deadline = started + duration
        warm_until = started + WARM_UP_FRACTION * duration
        memory: list[tuple[float, int]] = []

        def work(user: Client) -> None:
            while time.monotonic() < deadline:
                user.step()

        threads = [threading.Thread(target=work, args=(user,), name=f"soak-{i}")
                   for i, user in enumerate(users)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            memory.append((time.monotonic() - started, _rss_bytes(pid)))
            time.sleep(0.5)
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        problems = [problem for user in users for problem in user.reconcile()]
        for user in users:
            user.http.close()

    after_warm_up = [rss for moment, rss in memory if moment >= warm_until - started]
    baseline = statistics.median(after_warm_up[:3])
    final = statistics.median(after_warm_up[-3:])
    growth = final / baseline - 1
    peak_growth = max(after_warm_up) / baseline - 1
    total = sum(len(values) for values in stats.latencies.values())
    writes = sum(len(user.ledger) + len(user.deleted) for user in users)

    print(f"soak: {clients} clients, {elapsed:.1f} s, {total} requests, "
          f"{total / elapsed:.1f} requests/s; warm-up {WARM_UP_FRACTION * duration:.0f} s")
    print(f"{'operation':<18}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  "
          f"statuses")
    for operation in sorted(stats.latencies):
        values = stats.latencies[operation]
        codes = ", ".join(f"{status}: {count}"
                          for status, count in sorted(stats.statuses[operation].items()))
        print(f"{operation:<18}{len(values):>7}{len(values) / elapsed:>8.1f}"
              f"{1000 * _percentile(values, 0.50):>9.1f}{1000 * _percentile(values, 0.95):>9.1f}"
              f"{1000 * _percentile(values, 0.99):>9.1f}  {codes}")
    print(f"serving process RSS: {baseline / 2**20:.0f} MiB after warm-up, "
          f"{final / 2**20:.0f} MiB at the end ({growth:+.1%}), peak {peak_growth:+.1%} "
          f"(limit {MEMORY_GROWTH_LIMIT:+.0%})")
    print(f"reconciliation: {len(users)} principals, {sum(len(u.ledger) for u in users)} "
          f"resources and {sum(len(u.deleted) for u in users)} deletions checked "
          f"({writes} acknowledged resources in all): {len(problems)} problems")
    failures = []
    if stats.server_errors:
        failures.append(f"{stats.server_errors} server errors (5xx or no answer)")
    if stats.errors:
        failures.extend(stats.errors[:10])
    if problems:
        failures.extend(problems[:20])
    if growth > MEMORY_GROWTH_LIMIT:
        failures.append(f"RSS grew {growth:.1%} after warm-up")
    for failure in failures:
        print(f"FAIL: {failure}")
    print("soak: " + ("FAILED" if failures else "passed"))
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    args = parser.parse_args(argv)
    return run(args.duration, args.clients)


if __name__ == "__main__":
    sys.exit(main())
