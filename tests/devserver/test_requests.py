"""What reaches ``func.HttpRequest``: headers, query, body, URL, method — as the host maps them."""
from __future__ import annotations

import hashlib
from typing import Iterator

import httpx

from tests.support.apphost import AppHost


def test_header_names_lower_cased_and_repeats_comma_joined(basic: httpx.Client) -> None:
    headers = [("X-Custom-Header", "Value"), ("X-Multi", "a"), ("X-Multi", "b")]
    seen = basic.get("/api/echo", headers=headers).json()["headers"]
    assert seen["x-custom-header"] == "Value"
    assert seen["x-multi"] == "a,b"
    assert all(name == name.lower() for name in seen)


def test_query_one_string_per_key_repeats_joined_empties_dropped(basic: httpx.Client) -> None:
    seen = basic.get("/api/echo?a=1&a=2&empty=&flag&B=3&b=4&s=x+y%21&e=&e=v").json()["params"]
    assert seen == {"a": "1,2", "B": "3,4", "s": "x y!", "e": ",v"}


def test_body_forwarded_as_bytes_when_content_length_is_positive(basic: httpx.Client) -> None:
    body = bytes(range(256)) * 1000
    seen = basic.post("/api/echo", content=body).json()
    assert seen["body_type"] == "bytes"
    assert seen["body_length"] == len(body)
    assert seen["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert basic.post("/api/echo").json()["body_length"] == 0


def test_chunked_body_without_length_arrives_empty(basic: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"first "
        yield b"second"

    response = basic.post("/api/echo", content=chunks())
    assert response.request.headers.get("transfer-encoding") == "chunked"
    seen = response.json()
    assert (seen["body_type"], seen["body_length"]) == ("bytes", 0)


def test_url_method_and_worker_import_conventions(basic: httpx.Client, basic_host: AppHost) -> None:
    seen = basic.request("patch", "/api/echo/a%20b?q=1&q=2").json()
    assert seen["method"] == "PATCH"
    assert seen["url"] == f"http://127.0.0.1:{basic_host.port}/api/echo/a%20b?q=1&q=2"
    # Imported as the worker does: __app__.<Folder>, app root as cwd and on sys.path, relative imports.
    assert seen["module"] == "__app__.echo"
    assert seen["cwd"] == str(basic_host.app_root)
    assert seen["app_root_on_path"] is True
    assert (seen["helper"], seen["sibling"]) == ("OK", "hello from sibling")


def test_forwarded_scheme_and_disguised_host_shape_the_url(basic: httpx.Client) -> None:
    seen = basic.get("/api/echo", headers={"X-Forwarded-Proto": "https",
                                           "DISGUISED-HOST": "icesurf.example.net"}).json()
    assert seen["url"] == "https://icesurf.example.net/api/echo"
