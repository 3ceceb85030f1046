"""The outcome table (functions-host.md §2.8), load failures, context, logs, threads."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.apphost import AppHost

EMPTY_500 = (500, b"")


def _status_body(response: httpx.Response) -> tuple[int, bytes]:
    return response.status_code, response.content


def test_exception_is_500_with_empty_body_and_logged(basic: httpx.Client, basic_host: AppHost) -> None:
    assert _status_body(basic.get("/api/outcome/raises")) == EMPTY_500
    assert "Exception: ValueError: fixture failure" in basic_host.logs()


@pytest.mark.parametrize("path", ["/api/outcome/none", "/api/outcome/bytes",
                                  "/api/outcome/no-return-binding"])
def test_unencodable_results_are_500_with_empty_body(basic: httpx.Client, path: str) -> None:
    assert _status_body(basic.get(path)) == EMPTY_500


def test_str_with_return_binding_is_200_text(basic: httpx.Client) -> None:
    response = basic.get("/api/outcome/str")
    assert (response.status_code, response.text) == (200, "plain text")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_no_http_output_and_none_is_204(basic: httpx.Client, basic_host: AppHost) -> None:
    assert _status_body(basic.get("/api/outcome/no-output")) == (204, b"")
    assert "no_output ran" in basic_host.logs()  # function logging reaches the host's stdout


def test_named_http_output_binding(basic: httpx.Client) -> None:
    response = basic.get("/api/outcome/named-output", params={"set": "yes"})
    assert (response.status_code, response.text) == (201, "set through Out")
    assert _status_body(basic.get("/api/outcome/named-output")) == (204, b"")


@pytest.mark.parametrize("kind,content_type", [
    ("default", "text/plain; charset=utf-8"),
    ("json", "application/json"),
    ("explicit", "image/png"),
    ("html", "text/html; charset=latin-1"),
])
def test_response_content_type_rules(basic: httpx.Client, kind: str, content_type: str) -> None:
    response = basic.get("/api/outcome/response", params={"kind": kind})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type


def test_response_status_headers_and_cookies(basic: httpx.Client) -> None:
    teapot = basic.get("/api/outcome/response", params={"kind": "status"})
    assert (teapot.status_code, teapot.content, teapot.headers["x-fixture"]) == (418, b"", "teapot")
    cookies = basic.get("/api/outcome/response", params={"kind": "cookies"})
    assert sorted(cookies.headers.get_list("set-cookie")) == ["a=1; Path=/", "b=2; Path=/"]


@pytest.mark.parametrize("path,message", [
    ("/api/broken/import", "fixture: a dependency of broken_import is missing"),
    ("/api/broken/signature", "declared in Python but not in function.json: {'request'}"),
    ("/api/broken/entry", "function not_there() is not present in handlers/outcomes.py"),
])
def test_function_that_failed_to_load_answers_500(basic: httpx.Client, basic_host: AppHost,
                                                  path: str, message: str) -> None:
    assert _status_body(basic.get(path)) == EMPTY_500
    assert message in basic_host.logs()


def test_context_parameter(basic: httpx.Client, basic_host: AppHost) -> None:
    seen = basic.get("/api/context").json()
    assert seen["function_name"] == "context_info"
    assert seen["function_directory"] == str(basic_host.app_root / "context_info")
    assert f"id={seen['invocation_id']}" in basic_host.logs()


def test_one_log_line_per_request(basic: httpx.Client, basic_host: AppHost) -> None:
    basic.get("/api/items/77?code=must-not-be-logged")
    line = next(line for line in basic_host.logs().splitlines() if "/api/items/77" in line)
    assert "GET /api/items/77 -> items 200" in line and " ms (id=" in line
    assert "must-not-be-logged" not in basic_host.logs()


def test_async_main_runs_on_the_event_loop(basic: httpx.Client) -> None:
    assert basic.get("/api/outcome/async").text == "MainThread"


def test_sync_functions_share_a_pool_sized_by_python_threadpool_thread_count(
        basic: httpx.Client) -> None:
    """The basic host runs with PYTHON_THREADPOOL_THREAD_COUNT=2: four 400 ms calls take two rounds."""
    started = time.monotonic()
    with ThreadPoolExecutor(4) as clients:
        results = list(clients.map(lambda _: basic.get("/api/sleepy", params={"ms": "400"}).json(),
                                   range(4)))
    elapsed = time.monotonic() - started
    threads = {result["thread"] for result in results}
    assert len(threads) == 2 and "MainThread" not in threads
    assert elapsed >= 0.75, json.dumps(results)
