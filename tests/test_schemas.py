"""host.json and every function.json — of the app and of the local host's fixture apps — against the
SchemaStore schemas in ../shared/schemas (Draft 7 validator: see that folder's README; the
function.json schema claims draft-04 but needs draft-07 semantics for ``const``)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = PROJECT_ROOT.parent / "shared" / "schemas"
FIXTURE_APPS = PROJECT_ROOT / "tests" / "devserver" / "apps"
APP_ROOTS = [PROJECT_ROOT, *sorted(path.parent for path in FIXTURE_APPS.glob("*/host.json"))]

pytestmark = pytest.mark.skipif(not SCHEMAS.is_dir(),
                                reason=f"the SchemaStore schemas are not beside the clone ({SCHEMAS})")


def _relative(path: Path) -> str:
    return str(path.relative_to(PROJECT_ROOT))


def _validator(name: str) -> Draft7Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def _errors(validator: Draft7Validator, document_path: Path) -> list[str]:
    document = json.loads(document_path.read_text(encoding="utf-8-sig"))
    return [f"{'/'.join(map(str, error.absolute_path)) or '<root>'}: {error.message}"
            for error in validator.iter_errors(document)]


HOST_FILES = [root / "host.json" for root in APP_ROOTS]
FUNCTION_FILES = sorted(path for root in APP_ROOTS for path in root.glob("*/function.json"))


def test_every_app_has_functions_to_check() -> None:
    assert (PROJECT_ROOT / "HealthFunction" / "function.json") in FUNCTION_FILES
    assert all(path.is_file() for path in HOST_FILES)


@pytest.mark.parametrize("path", HOST_FILES, ids=_relative)
def test_host_json_matches_schemastore(path: Path) -> None:
    assert _errors(_validator("host.json"), path) == []


@pytest.mark.parametrize("path", FUNCTION_FILES, ids=_relative)
def test_function_json_matches_schemastore(path: Path) -> None:
    assert _errors(_validator("function.json"), path) == []


def test_schema_validation_can_fail() -> None:
    """Guard against a validator that accepts everything (e.g. the draft-04 pitfall in reverse)."""
    host = _validator("host.json")
    assert list(host.iter_errors({"version": "2.0", "extensions": {"http": {"maxConcurrentRequests": 1}}}))
    assert list(host.iter_errors({"version": "3.0"}))
    function = _validator("function.json")
    assert list(function.iter_errors({"bindings": [{"type": "httpTrigger", "name": "req"}]}))
    assert list(function.iter_errors({"bindings": [{"type": "httpTrigger", "direction": "in",
                                                    "name": "req", "authLevel": "everyone"}]}))
