"""The OpenAPI document as a test oracle: which operation a request hits, and whether an answer
conforms to what the document says about that operation (status, media type, headers, body).

The reliability tests run every answer they get (hostile inputs, faults, security) through
:func:`assert_conforms`, so the document is checked against far more than the fuzzer reaches.
"""
from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from shared.openapi import openapi_document

PROBLEM_JSON = "application/problem+json"
DOCUMENT_URI = "urn:icesurf:openapi"


@cache
def document() -> dict[str, Any]:
    return openapi_document("/api")


@cache
def _registry() -> Registry:
    """The document as a JSON Schema resource, so ``urn:openapi#/components/...`` resolves."""
    return Registry().with_resource(DOCUMENT_URI, DRAFT202012.create_resource(document()))


def _absolute_refs(node: Any) -> Any:
    """``node`` with every ``#/...`` reference pointing into the document resource."""
    if isinstance(node, dict):
        return {key: (DOCUMENT_URI + value if key == "$ref" and value.startswith("#") else
                      _absolute_refs(value)) for key, value in node.items()}
    if isinstance(node, list):
        return [_absolute_refs(value) for value in node]
    return node


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(_absolute_refs(schema), registry=_registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


@dataclass(frozen=True)
class Operation:
    path: str        # the document's path template, e.g. /resources/{id}
    method: str      # lower-case
    spec: dict[str, Any]


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = [re.escape(part) if not part.startswith("{") else "[^/]+"
             for part in template.strip("/").split("/")]
    return re.compile("^/" + "/".join(parts) + "$", re.IGNORECASE)


def operation_for(method: str, url_path: str) -> Operation | None:
    """The documented operation a request path (with the server prefix, e.g. /api/..., percent
    escapes kept) hits; None for a path and method the document does not have."""
    server = document()["servers"][0]["url"].rstrip("/")
    assert url_path.lower().startswith(server.lower() + "/"), url_path
    path = url_path[len(server):].split("?", 1)[0]
    # Literal paths win over templated ones (as /resources/{id}/content over a bare template).
    candidates = sorted(document()["paths"].items(), key=lambda item: item[0].count("{"))
    for template, item in candidates:
        if _template_pattern(template).match(path) and method.lower() in item:
            return Operation(template, method.lower(), item[method.lower()])
    return None


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        section, kind, name = node["$ref"].removeprefix("#/").split("/")
        node = document()[section][kind][name]
    return node


def assert_conforms(response: httpx.Response, *, operation: Operation | None = None) -> None:
    """The answer is one the document allows for the request's operation (see module doc)."""
    request = response.request
    operation = operation or operation_for(request.method, request.url.raw_path.decode("ascii"))
    if operation is None:  # not an operation: the app refuses it as a 404 or 405 problem
        operation = Operation(request.url.path, request.method.lower(), {"responses": {
            "404": {"$ref": "#/components/responses/NotFound"},
            "405": {"content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                    "headers": {"Allow": {"required": True}}}}})
    label = f"{request.method} {operation.path} -> {response.status_code}"
    answers = operation.spec["responses"]
    documented = answers.get(str(response.status_code)) or answers.get("default")
    assert documented is not None, f"{label}: status not documented ({sorted(answers)})"
    documented = _resolve(documented)
    for name, header in documented.get("headers", {}).items():
        if _resolve(header).get("required"):
            assert name.lower() in response.headers, f"{label}: header {name} missing"
    content = documented.get("content")
    if not content:
        assert not response.content, f"{label}: documented without a body, got {response.content[:80]!r}"
        return
    media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    matching = [key for key in content if fnmatchcase(media, key)]  # keys: a/b, a/*, */*
    assert matching, f"{label}: Content-Type {media!r} not documented ({sorted(content)})"
    schema = content[matching[0]].get("schema", {})
    if media in ("application/json", PROBLEM_JSON):
        body = json.loads(response.content)
        errors = sorted(_validator(schema).iter_errors(body), key=str)
        assert not errors, f"{label}: body violates the schema: {errors[0].message}"


def assert_problem(response: httpx.Response, status: int | tuple[int, ...]) -> dict[str, Any]:
    """A documented problem+json answer with one of the given statuses; the problem body."""
    statuses = (status,) if isinstance(status, int) else status
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers.get("content-type") == PROBLEM_JSON, response.headers
    body = response.json()
    assert body["status"] == response.status_code and body["detail"]
    assert_conforms(response)
    return body
