"""The OpenAPI document tells the truth: it is valid OpenAPI 3.1, it has exactly the routes and
methods of the function folders (through the host's own route matching, with the route prefix of
host.json), its enumerations are the code's, it is served anonymously, and every operation's
answers in a tour of the API are documented (status, media type, headers, body schema).
"""
from __future__ import annotations

import io
import json
import uuid
from collections import defaultdict

import httpx
import numpy as np
import pytest
from openapi_spec_validator import validate as validate_openapi

from devserver.discovery import discover_functions
from devserver.hostconfig import load_host_config
from devserver.routing import RouteTable, Segment, compile_route, split_path
from shared import openapi
from tests.reliability.contract import assert_conforms, assert_problem, document, operation_for
from tests.support.apphost import PROJECT_ROOT

SAMPLE_ID = "0190b3a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _functions():
    return discover_functions(PROJECT_ROOT, {})


def _route_table(prefix: str) -> RouteTable:
    return RouteTable(compile_route(spec.name, prefix, spec.route, spec.methods)
                      for spec in _functions())


def _operations():
    for path, item in document()["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def _concrete(path: str) -> str:
    return "/".join(SAMPLE_ID if part.startswith("{") else part for part in path.split("/"))


def _optional(segment: Segment) -> bool:
    parameter = segment.parameter
    return parameter is not None and (parameter.optional or parameter.default is not None
                                      or parameter.catch_all)


def _shapes(spec, prefix: str) -> list[tuple[str, ...]]:
    """Every path shape a function's route matches: its segments up to each point from which
    only optional parameters remain (``resources/{id?}/{part?}`` has three)."""
    template = compile_route(spec.name, prefix, spec.route, spec.methods).template
    segments = template.segments
    shapes = []
    for length in range(len(segments) + 1):
        if all(_optional(segment) for segment in segments[length:]):
            shapes.append(tuple(
                "{}" if segment.parameter is not None else "".join(segment.parts).lower()
                for segment in segments[:length]))
    return shapes


def _shape_of(path: str) -> tuple[str, ...]:
    return tuple("{}" if part.startswith("{") else part.lower() for part in path.strip("/").split("/"))


def _covers(shape: tuple[str, ...], documented: tuple[str, ...]) -> bool:
    return len(shape) == len(documented) and all(
        want == "{}" or want == have for want, have in zip(shape, documented))


def test_document_is_valid_openapi_3_1() -> None:
    validate_openapi(document())
    assert document()["openapi"].startswith("3.1")


def test_server_url_is_the_route_prefix_of_host_json() -> None:
    prefix = load_host_config(PROJECT_ROOT, {}).route_prefix
    assert document()["servers"] == [{"url": f"/{prefix}"}]


def test_every_documented_operation_is_served_by_the_function_it_names() -> None:
    prefix = load_host_config(PROJECT_ROOT, {}).route_prefix
    routes = _route_table(prefix)
    specs = {spec.name: spec for spec in _functions()}
    for path, method, operation in _operations():
        function = operation["x-azure-function"]
        match = routes.match(method.upper(), split_path(f"/{prefix}{_concrete(path)}".encode()))
        assert match is not None, f"{method.upper()} {path}: no function route matches"
        assert match[0].function == function, f"{method.upper()} {path} reaches {match[0].function}"
        anonymous = operation.get("security") == []
        assert anonymous == (specs[function].auth_level == "anonymous"), (
            f"{method.upper()} {path}: security does not match authLevel "
            f"{specs[function].auth_level}")


def test_every_function_route_shape_and_method_is_documented() -> None:
    prefix = load_host_config(PROJECT_ROOT, {}).route_prefix
    documented: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
    for path, method, operation in _operations():
        documented[operation["x-azure-function"]].append(
            ((prefix.lower(), *_shape_of(path)) if prefix else _shape_of(path), method.upper()))
    for spec in _functions():
        operations = documented.get(spec.name)
        assert operations, f"{spec.name} ({spec.route}) is not in the OpenAPI document"
        for shape in _shapes(spec, prefix):
            assert any(_covers(shape, have) for have, _ in operations), (
                f"{spec.name}: path /{'/'.join(shape)} is not documented")
        methods = spec.methods or frozenset(m.upper() for m in HTTP_METHODS)
        assert {method for _, method in operations} == set(methods), (
            f"{spec.name}: documented methods differ from function.json {sorted(methods)}")


def test_enumerations_are_the_codes() -> None:
    from shared.imagery import LAYOUTS
    from shared.model_registry import MODEL_NAMES
    from shared.resource_store import KINDS
    from shared.surfaces import SENSORS
    from shared import classify_api

    assert set(openapi.SENSOR_NAMES) == set(SENSORS) == set(MODEL_NAMES)
    assert openapi.CLASSIFY_PRODUCTS == classify_api.PRODUCTS
    assert set(openapi.RASTER_MEDIA_TYPES) | {"application/json"} == set(classify_api.OFFERED)
    schemas = document()["components"]["schemas"]
    assert schemas["Resource"]["properties"]["kind"]["enum"] == list(KINDS)
    layout = next(p for p in document()["paths"]["/classify"]["post"]["parameters"]
                  if p["name"] == "layout")
    assert layout["schema"]["enum"] == list(LAYOUTS)


# ---------------------------------------------------------------------------------------------
# Against the running app

def test_document_is_served_anonymously(api: httpx.Client) -> None:
    response = api.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == document()
    assert_conforms(response)


def test_undocumented_method_and_path_combinations_are_refused(api: httpx.Client) -> None:
    """What function.json routes but the document leaves out is not an operation: 404 or 405."""
    prefix = load_host_config(PROJECT_ROOT, {}).route_prefix
    documented = {(_shape_of(path), method.upper()) for path, method, _ in _operations()}
    for spec in _functions():
        for shape in _shapes(spec, prefix):
            path_shape = shape[1:] if prefix else shape
            for method in sorted(spec.methods or ()):
                if any(_covers(path_shape, have) and method == m for have, m in documented):
                    continue
                path = "/".join(SAMPLE_ID if part == "{}" else part for part in path_shape)
                response = api.request(method, f"/{path}", content=b"x")
                assert response.status_code in (404, 405), (method, path, response.status_code)
                if response.content:
                    assert response.headers["content-type"] == "application/problem+json"


def test_a_tour_of_every_operation_conforms(api: httpx.Client) -> None:
    """Each operation's success answers, and its common refusals, match the document."""
    seen: set[tuple[str, str]] = set()

    def call(method: str, url: str, **kwargs) -> httpx.Response:
        response = api.request(method, url, **kwargs)
        operation = operation_for(method, response.request.url.raw_path.decode("ascii"))
        assert operation is not None, f"{method} {url} is not a documented operation"
        assert_conforms(response, operation=operation)
        seen.add((operation.path, operation.method))
        return response

    scene = _npy_scene(5)
    created = call("POST", "/resources", content=scene, params={"name": "tour.npy"},
                   headers={"Content-Type": "application/x-npy"})
    assert created.status_code == 201
    record = created.json()
    item = f"/resources/{record['id']}"
    form = call("POST", "/resources", files={"file": ("a.npy", scene, "application/x-npy")},
                data={"metadata": json.dumps({"site": "S6"})})
    assert form.status_code == 201 and form.json()["metadata"] == {"site": "S6"}
    assert call("GET", "/resources", params={"limit": 1}).status_code == 200
    assert call("GET", item).status_code == 200
    assert call("GET", item, headers={"If-None-Match": record["etag"]}).status_code == 304
    assert call("GET", item, headers={"If-Match": '"stale"'}).status_code == 412
    assert call("GET", f"{item}/content").status_code == 200
    assert call("GET", f"{item}/content", headers={"Range": "bytes=0-9"}).status_code == 206
    assert call("GET", f"{item}/content", headers={"Range": "bytes=999999-"}).status_code == 416
    assert call("PATCH", item, json={"name": "tour"},
                headers={"Content-Type": "application/merge-patch+json"}).status_code == 200
    assert call("PATCH", item, json={"name": "tour"}).status_code == 415
    chosen = f"/resources/{uuid.uuid4()}"
    assert call("PUT", chosen, content=scene,
                headers={"Content-Type": "application/x-npy"}).status_code == 201
    assert call("PUT", chosen, content=scene, headers={"Content-Type": "application/x-npy",
                                                       "If-None-Match": "*"}).status_code == 412
    assert call("PUT", chosen, content=scene,
                headers={"Content-Type": "application/x-npy"}).status_code == 200
    pixels = {"pixels": [[0.9, 0.9, 0.9, 0.85, 0.8], [0.1, 0.2, 0.1, 0.05, 0.05]],
              "sensor": "micasense"}
    for accept in ("application/json", "image/tiff", "image/png", "application/x-npy"):
        answer = call("POST", "/classify", json=pixels, headers={"Accept": accept})
        assert answer.status_code == 200, answer.text
    assert call("POST", "/classify", json=pixels, headers={"Accept": "text/csv"}).status_code == 406
    stored = call("POST", f"/classify/{record['id']}")
    assert stored.status_code == 201, stored.text
    result = stored.json()["resource"]
    assert call("POST", f"/classify/{result['id']}").status_code == 409
    assert call("POST", f"/classify/{uuid.uuid4()}").status_code == 404
    assert call("GET", "/models").status_code == 200
    assert call("GET", "/models/current", params={"sensor": "sentinel2"}).status_code == 200
    assert call("GET", "/models", params={"bogus": "1"}).status_code == 400
    page = call("GET", "/ui")
    assert page.status_code == 200
    assert call("GET", "/ui", headers={"If-None-Match": page.headers["etag"]}).status_code == 304
    assert call("GET", "/ui/app.js").status_code == 200
    assert call("GET", "/ui/missing.js").status_code == 404
    assert call("GET", "/health").status_code == 200
    assert call("GET", "/openapi.json").status_code == 200
    assert call("DELETE", f"/resources/{result['id']}").status_code == 204
    assert call("DELETE", chosen, headers={"If-Match": '"stale"'}).status_code == 412
    assert call("DELETE", chosen).status_code == 204
    assert_problem(api.get(chosen), 404)
    assert seen == {(path, method) for path, method, _ in _operations()}, "operations not toured"


def _npy_scene(bands: int, size: int = 8) -> bytes:
    rng = np.random.default_rng(7)
    out = io.BytesIO()
    np.save(out, rng.uniform(0.05, 0.95, (size, size, bands)).astype(np.float32))
    return out.getvalue()


@pytest.mark.parametrize("path", ["/resources/not-a-uuid", "/resources/not-a-uuid/content"])
def test_malformed_ids_are_documented_400s(api: httpx.Client, path: str) -> None:
    assert_problem(api.get(path), 400)
