"""Property-based API testing with schemathesis: generated requests for every operation of the
OpenAPI document, sent over loopback to the running app, every answer checked.

Checks on every answer: no 5xx, status documented for the operation, Content-Type documented,
required response headers present, body valid against the documented schema; for requests that
violate the document on purpose (negative mode), a 4xx refusal. Repeatable: Hypothesis runs
derandomized (a fixed seed per test), without an example database and without deadlines.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_headers_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from shared.openapi import openapi_document

# A request that violates the document must be refused with some 4xx: which one depends on what
# the app checks first (e.g. a failed If-Match is 412 whatever the body).
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": ["4XX"]}}})
CONFORMANCE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
                      response_headers_conformance, response_schema_conformance]


@dataclass
class FuzzReport:
    """What a fuzzing run did: cases per operation and mode, and the failures found."""

    cases: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.cases.values())


def _has_inputs(document: dict[str, Any], path: str, method: str) -> bool:
    """Whether an operation takes anything a negative case could get wrong."""
    item = document["paths"][path]
    return bool(item.get("parameters") or item[method].get("parameters")
                or item[method].get("requestBody"))


def fuzz(base_url: str, *, examples: int, mode: GenerationMode, report: FuzzReport,
         operations: Iterable[str] | None = None, path_parameters: dict[str, Any] | None = None,
         headers: dict[str, str] | None = None) -> None:
    """Run up to ``examples`` generated cases of each operation (or those labelled in
    ``operations``, e.g. ``"GET /resources"``) in ``mode`` against ``base_url`` (``.../api``)."""
    document = openapi_document("/api")
    schema = schemathesis.openapi.from_dict(document, config=CONFIG)
    wanted = set(operations) if operations is not None else None
    checks = CONFORMANCE_CHECKS + ([negative_data_rejection] if mode.is_negative else [])
    with requests.Session() as session:
        for result in schema.get_all_operations():
            operation = result.ok()
            if wanted is not None and operation.label not in wanted:
                continue
            if path_parameters and not all(f"{{{name}}}" in operation.path
                                           for name in path_parameters):
                continue
            if mode.is_negative and not _has_inputs(document, operation.path,
                                                    operation.method.lower()):
                continue
            key = f"{operation.label} [{mode.value}{' fixed-id' if path_parameters else ''}]"
            report.cases.setdefault(key, 0)

            @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                      phases=[Phase.explicit, Phase.generate, Phase.shrink],
                      suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
            @given(operation.as_strategy(generation_mode=mode, path_parameters=path_parameters,
                                         headers=headers))
            def run(case: schemathesis.Case) -> None:
                report.cases[key] += 1
                response = case.call(base_url=base_url, session=session, timeout=60)
                report.statuses[response.status_code] = report.statuses.get(
                    response.status_code, 0) + 1
                case.validate_response(response, checks=checks)

            try:
                run()
            except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - reported by the test
                report.failures.append(f"{key}: {failure}")
