"""Schemathesis against the app on the local host: well over 1,000 generated requests across every
operation of the OpenAPI document, valid and invalid, with zero 5xx and zero answers that the
document does not allow (see :mod:`tests.reliability.fuzzing` for the checks).

Generated ids mostly name nothing (404), so every operation on an id is also fuzzed against a
freshly uploaded scene of a fixed caller, to reach the code paths of existing resources.
"""
from __future__ import annotations

import io

import httpx
import numpy as np
from schemathesis import GenerationMode

from tests.reliability.contract import document
from tests.reliability.fuzzing import FuzzReport, fuzz
from tests.support.apphost import AppHost

POSITIVE_EXAMPLES = 50
NEGATIVE_EXAMPLES = 35
FIXED_ID_EXAMPLES = 25
MINIMUM_CASES = 1000
OWNER = {"x-ms-client-principal-id": "schemathesis-owner"}


def _scene() -> bytes:
    """A valid 6 x 6 five-band (MicaSense) float32 scene as .npy."""
    out = io.BytesIO()
    np.save(out, np.random.default_rng(3).uniform(0.05, 0.9, (6, 6, 5)).astype(np.float32))
    return out.getvalue()


def _operations_on_an_id() -> list[str]:
    return [f"{method.upper()} {path}" for path, item in document()["paths"].items()
            if "{id}" in path for method in item if method != "parameters"]


def test_generated_requests_get_documented_answers_and_no_5xx(reliability_app: AppHost,
                                                                api: httpx.Client) -> None:
    base_url = reliability_app.base_url + "/api"
    report = FuzzReport()
    fuzz(base_url, examples=POSITIVE_EXAMPLES, mode=GenerationMode.POSITIVE, report=report)
    fuzz(base_url, examples=NEGATIVE_EXAMPLES, mode=GenerationMode.NEGATIVE, report=report)
    scene = _scene()
    for label in _operations_on_an_id():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            created = api.post("/resources", content=scene, params={"name": "fuzz.npy"},
                               headers={**OWNER, "Content-Type": "application/x-npy"})
            assert created.status_code == 201, created.text
            fuzz(base_url, examples=FIXED_ID_EXAMPLES, mode=mode, report=report,
                 operations=[label], path_parameters={"id": created.json()["id"]}, headers=OWNER)

    summary = "\n".join(f"  {key}: {count}" for key, count in sorted(report.cases.items()))
    print(f"schemathesis: {report.total} cases, statuses {dict(sorted(report.statuses.items()))}"
          f"\n{summary}")
    assert not report.failures, "\n\n".join(report.failures)
    assert not any(status >= 500 for status in report.statuses)
    assert report.total >= MINIMUM_CASES
    fuzzed = {key.split(" [", 1)[0] for key in report.cases}
    assert fuzzed == {f"{method.upper()} {path}" for path, item in document()["paths"].items()
                      for method in item if method != "parameters"}
