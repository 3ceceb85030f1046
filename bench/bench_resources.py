"""Peak memory of the serving process while a 90 MB scene is uploaded and downloaded.

Starts Azurite and the app on the local host, warms it up, then for the upload (POST) and the
download (GET .../content) separately: resets the process's peak RSS (``/proc/<pid>/clear_refs``)
to its current RSS (the baseline, measured in the same run), runs the request, and reads the peak
(``VmHWM``). Reports the growth over the baseline as a ratio of the body size, against the
contract's budget of 3x. Linux only. Run: ``.venv/bin/python -m bench.bench_resources``.
"""
from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from tests.support.apphost import AppHost  # noqa: E402
from tests.support.azurite import Azurite  # noqa: E402

BODY_BYTES = 90 * 1024 * 1024
BUDGET_RATIO = 3.0


@dataclass(frozen=True)
class MemoryReport:
    body_bytes: int
    upload_growth: int
    download_growth: int

    @property
    def worst_ratio(self) -> float:
        return max(self.upload_growth, self.download_growth) / self.body_bytes

    def lines(self) -> list[str]:
        mib = 1024 * 1024
        return [f"body: {self.body_bytes / mib:.0f} MiB; budget: {BUDGET_RATIO:.0f}x body "
                f"= {BUDGET_RATIO * self.body_bytes / mib:.0f} MiB of peak RSS growth",
                *(f"{label}: peak RSS growth {growth / mib:7.1f} MiB = "
                  f"{growth / self.body_bytes:.2f}x body"
                  for label, growth in (("upload  ", self.upload_growth),
                                        ("download", self.download_growth))),
                f"worst: {self.worst_ratio:.2f}x body "
                f"({'within' if self.worst_ratio < BUDGET_RATIO else 'OVER'} budget)"]


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def _peak_growth(pid: int, action) -> int:
    """Bytes the peak RSS of ``pid`` rose above its RSS at the start of ``action``."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # peak RSS := current RSS
    baseline = _status_kib(pid, "VmRSS")
    action()
    return (_status_kib(pid, "VmHWM") - baseline) * 1024


def measure(body_bytes: int = BODY_BYTES) -> MemoryReport:
    """Upload and download ``body_bytes`` through a fresh app host; the server's peak growth."""
    body = os.urandom(1024 * 1024) * (body_bytes // (1024 * 1024)) + os.urandom(
        body_bytes % (1024 * 1024))
    with Azurite() as storage, AppHost({"STORAGE_CONNECTION_STRING": storage.connection_string}
                                       ) as host, \
            httpx.Client(base_url=host.base_url + "/api", timeout=300) as api:
        warm = api.post("/resources", content=b"warm-up", headers={"Content-Type": "image/tiff"})
        warm.raise_for_status()
        api.get(f"/resources/{warm.json()['id']}/content").raise_for_status()
        pid = host.process.pid
        created: dict = {}

        def upload() -> None:
            response = api.post("/resources", content=body, headers={"Content-Type": "image/tiff"})
            response.raise_for_status()
            created.update(response.json())

        downloaded: list[bytes] = []

        def download() -> None:
            response = api.get(f"/resources/{created['id']}/content")
            response.raise_for_status()
            downloaded.append(response.content)

        upload_growth = _peak_growth(pid, upload)
        download_growth = _peak_growth(pid, download)
    if created["sha256"] != hashlib.sha256(body).hexdigest() or downloaded[0] != body:
        raise RuntimeError("the downloaded content differs from the upload")
    return MemoryReport(body_bytes, upload_growth, download_growth)


def main() -> int:
    report = measure()
    print("\n".join(report.lines()))
    return 0 if report.worst_ratio < BUDGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
