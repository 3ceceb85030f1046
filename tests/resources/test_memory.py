"""A 90 MB scene goes up and down with the serving process's peak RSS growth under 3x its size."""
from __future__ import annotations

import sys

import pytest

from bench.bench_resources import BODY_BYTES, BUDGET_RATIO, measure


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/status")
def test_90_mb_upload_and_download_stay_under_3x_body() -> None:
    report = measure(BODY_BYTES)
    print("\n".join(report.lines()))
    assert report.upload_growth > 0.9 * BODY_BYTES  # the measurement sees the body itself
    assert report.worst_ratio < BUDGET_RATIO, report.lines()
