"""Routing as the host does it: prefix, templates and constraints, first match, methods → 404."""
from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from tests.devserver.conftest import APPS, client_for, http_function, write_app
from tests.support.apphost import AppHost


def test_route_prefix_and_function_name_route(basic: httpx.Client) -> None:
    assert basic.get("/api/NoRoute").text == "NoRoute"       # no "route": the function name
    assert basic.get("/API/noroute/").text == "NoRoute"      # literals case-insensitive; trailing /
    assert basic.get("/NoRoute").status_code == 404          # the prefix is required


def test_unlisted_method_is_404_never_405(basic: httpx.Client) -> None:
    response = basic.get("/api/only-post")
    assert response.status_code == 404 and response.content == b""
    assert basic.post("/api/only-post").text == "only_post"
    assert basic.put("/api/only-post").text == "only_post"   # "PUT" in function.json: any case
    assert basic.head("/api/NoRoute").status_code == 404     # HEAD is not implied by GET
    assert basic.delete("/api/outcome/str").status_code == 200  # no "methods": every method


def test_first_match_in_ordinal_ignore_case_function_order(basic: httpx.Client) -> None:
    # "apple" (fruit/{*p}) sorts before "Banana" (fruit/banana) ignoring case, so it shadows it.
    assert basic.get("/api/fruit/banana").text == "apple"
    # OrdinalIgnoreCase compares upper-cased names: "ORDERB" < "ORDER_Z" ('B' < '_').
    assert basic.get("/api/order/fixed").text == "orderb"


def test_route_params_omit_optional_values_not_supplied(basic: httpx.Client) -> None:
    assert basic.get("/api/items/5").json() == {"id": "5"}
    assert basic.get("/api/items/5/details").json() == {"id": "5", "tab": "details"}
    assert basic.get("/api/items/five").status_code == 404
    assert basic.get("/api/echo").json()["route_params"] == {}
    assert basic.get("/api/echo/a/b/c").json()["route_params"] == {"rest": "a/b/c"}


def test_route_values_are_decoded_except_encoded_slashes(basic: httpx.Client) -> None:
    assert basic.get("/api/echo/x%20y").json()["route_params"] == {"rest": "x y"}
    assert basic.get("/api/echo/a%2Fb").json()["route_params"] == {"rest": "a%2Fb"}


def test_disabled_function_is_404(basic: httpx.Client) -> None:
    response = basic.get("/api/disabled")
    assert response.status_code == 404 and response.content == b""


def test_homepage_at_root(basic: httpx.Client) -> None:
    response = basic.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")


def test_empty_route_prefix_and_disabled_homepage() -> None:
    with AppHost({"AzureWebJobsDisableHomepage": "true"}, app_root=APPS / "noprefix") as host, \
            client_for(host) as http:
        assert http.get("/items/7").text == "7"
        assert http.get("/api/items/7").status_code == 404
        response = http.get("/")
        assert response.status_code == 204 and response.content == b""


# (route template, request path after the function's own prefix, expected route values or None)
TEMPLATE_CASES = [
    ("{v:int}", "42", {"v": "42"}),
    ("{v:int}", "-7", {"v": "-7"}),
    ("{v:int}", "4.2", None),
    ("{v:int}", "42/extra", None),
    ("{v:int}", "2147483648", None),
    ("{v:long}", "2147483648", {"v": "2147483648"}),
    ("{v:long}", "x", None),
    ("{v:bool}", "TRUE", {"v": "TRUE"}),
    ("{v:bool}", "yes", None),
    ("{v:guid}", "8f0b2e0c-3b4a-4c1e-9f7d-2a6b5c4d3e2f", {"v": "8f0b2e0c-3b4a-4c1e-9f7d-2a6b5c4d3e2f"}),
    ("{v:guid}", "8F0B2E0C3B4A4C1E9F7D2A6B5C4D3E2F", {"v": "8F0B2E0C3B4A4C1E9F7D2A6B5C4D3E2F"}),
    ("{v:guid}", "8f0b2e0c-3b4a-4c1e-9f7d", None),
    ("{v:alpha}", "Snow", {"v": "Snow"}),
    ("{v:alpha}", "snow1", None),
    ("{v:decimal}", "1,234.5", {"v": "1,234.5"}),
    ("{v:decimal}", "1e5", None),
    ("{v:double}", "-1.5e5", {"v": "-1.5e5"}),
    ("{v:float}", "x1", None),
    ("{v:datetime}", "2024-07-01T12:30:00Z", {"v": "2024-07-01T12:30:00Z"}),
    ("{v:datetime}", "2024-13-01", None),
    ("{v:min(10)}", "10", {"v": "10"}),
    ("{v:min(10)}", "9", None),
    ("{v:max(10)}", "11", None),
    ("{v:range(1,6)}", "6", {"v": "6"}),
    ("{v:range(1,6)}", "0", None),
    ("{v:length(3)}", "abc", {"v": "abc"}),
    ("{v:length(3)}", "abcd", None),
    ("{v:length(2,3)}", "a", None),
    ("{v:minlength(2)}", "a", None),
    ("{v:maxlength(2)}", "abc", None),
    ("{v:regex(^s2[ab]$)}", "S2A", {"v": "S2A"}),
    ("{v:regex(^s2[ab]$)}", "s2c", None),
    ("{v:regex(^\\d{{3}}$)}", "123", {"v": "123"}),
    ("{v:regex(^\\d{{3}}$)}", "1234", None),
    ("{v:int:max(10)?}", "", {}),
    ("{v:int:max(10)?}", "5", {"v": "5"}),
    ("{v:int:max(10)?}", "11", None),
    ("{v=snow}", "", {"v": "snow"}),
    ("{v=snow}", "ice", {"v": "ice"}),
    ("{name}.{ext}", "scene.v2.tif", {"name": "scene.v2", "ext": "tif"}),
    ("{name}.{ext?}", "scene", {"name": "scene"}),
    ("Files/{*path}", "files/a/b.tif", {"path": "a/b.tif"}),
    ("Files/{*path}", "files", {}),
    ("{a}/{b}", "x", None),
]
TEMPLATES = sorted({template for template, _, _ in TEMPLATE_CASES})


@pytest.fixture(scope="module")
def templates_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """One function per template, routed as ``t<index>/<template>``, returning its route values."""
    app = write_app(tmp_path_factory.mktemp("templates") / "app", {
        f"t{index:02d}": http_function(route=f"t{index:02d}/{template}", methods=["get"])
        for index, template in enumerate(TEMPLATES)})
    with AppHost(app_root=app) as host, client_for(host) as http:
        yield http


@pytest.mark.parametrize("template,path,expected", TEMPLATE_CASES,
                         ids=[f"{t} <- {p!r}" for t, p, _ in TEMPLATE_CASES])
def test_route_templates_and_constraints(templates_host: httpx.Client, template: str, path: str,
                                         expected: dict[str, str] | None) -> None:
    prefix = f"/api/t{TEMPLATES.index(template):02d}"
    response = templates_host.get(f"{prefix}/{path}" if path else prefix)
    if expected is None:
        assert response.status_code == 404, response.text
    else:
        assert response.status_code == 200
        assert response.json() == expected

