"""Start-up: what the host refuses, what it accepts, settings, the ready line, graceful shutdown."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.devserver.conftest import APPS, client_for, http_function, run_until_exit, write_app
from tests.support.apphost import PROJECT_ROOT, AppHost
from tests.support.ports import free_port

OK = {"ok": http_function()}

REFUSALS = {
    "host.json version 1.0": (
        {"version": "1.0"}, OK, "is an invalid value for host.json 'version'"),
    "host.json without version": (
        {"extensions": {"http": {"routePrefix": "api"}}}, OK, "missing the required 'version'"),
    "host.json not JSON": ("{version", OK, "Unable to parse"),
    "route under admin": (
        None, {"f": http_function(route="admin/things")}, "conflicts with one or more built in routes"),
    "route starting with runtime": (
        None, {"f": http_function(route="/Runtime2/x")}, "conflicts with one or more built in routes"),
    "folder name starting with a digit": (None, {"1bad": http_function()}, "not a valid function name"),
    "folder named host": (None, {"Host": http_function()}, "not a valid function name"),
    "binding name with underscore": (
        None, {"f": http_function(trigger_name="my_req")}, "binding name 'my_req' is invalid"),
    "$return not out": (
        None, {"f": {"bindings": [{"type": "httpTrigger", "direction": "in", "name": "req"},
                                  {"type": "http", "direction": "in", "name": "$return"}]}},
        "$return bindings must specify a direction of 'out'"),
    "no bindings": (None, {"f": {"bindings": []}}, "At least one binding must be declared"),
    "duplicate binding names": (
        None, {"f": {"bindings": [{"type": "httpTrigger", "direction": "in", "name": "req"},
                                  {"type": "http", "direction": "out", "name": "REQ"}]}},
        "Multiple bindings with name"),
    "no trigger": (None, {"f": {"bindings": [{"type": "http", "direction": "out", "name": "$return"}]}},
                   "No trigger binding specified"),
    "same route and method twice": (
        None, {"a": http_function(route="same", methods=["get"]),
               "b": http_function(route="SAME/", methods=["post", "get"])},
        "conflicts with the route defined by function 'a'"),
    "same route, one without methods": (
        None, {"a": http_function(route="same", methods=["get"]), "b": http_function(route="same")},
        "conflicts with the route defined by function 'a'"),
    "bad authLevel": (None, {"f": http_function(auth_level="superuser")},
                      "Invalid value specified for binding property 'authLevel'"),
    "unknown route constraint": (None, {"f": http_function(route="x/{id:number}")},
                                 "could not be resolved by the constraint resolver"),
    "catch-all not last": (None, {"f": http_function(route="{*all}/x")},
                           "catch-all parameter can only appear as the last segment"),
    "missing scriptFile": (None, {"f": {"scriptFile": "nope.py", **http_function()}},
                           "set to a file that does not exist"),
    "bad functionTimeout": ({"version": "2.0", "functionTimeout": "forever"}, OK,
                            "functionTimeout 'forever' is not a valid TimeSpan"),
}


@pytest.mark.parametrize("host_json,functions,message", REFUSALS.values(), ids=REFUSALS.keys())
def test_refuses_at_start_up_what_the_real_host_refuses(tmp_path: Path, host_json, functions,
                                                        message: str) -> None:
    result = run_until_exit(write_app(tmp_path / "app", functions, host_json))
    assert result.returncode != 0
    assert "cannot start" in result.stderr and message in result.stderr, result.stderr


def test_accepts_what_the_real_host_accepts(tmp_path: Path) -> None:
    """Empty host.json → defaults; same route with disjoint methods; case-insensitive authLevel and
    methods; ``excluded`` functions and folders without function.json are ignored; a non-.py
    primary script fails only that function."""
    app = write_app(tmp_path / "app", {
        "read": http_function(route="same", methods=["GET"], auth_level="Anonymous"),
        "write": http_function(route="same", methods=["post"], auth_level="ANONYMOUS"),
        "skipped": {"excluded": True, **http_function(route="same")},
    }, host_json="")
    (app / "not_a_function").mkdir()
    (app / "not_a_function" / "__init__.py").write_text("raise RuntimeError('never imported')\n")
    (app / "read" / "__init__.py").rename(app / "read" / "handler.py")  # the single script file
    node = app / "node_style"
    node.mkdir()
    (node / "function.json").write_text(json.dumps({"scriptFile": "index.js", **http_function()}))
    (node / "index.js").write_text("module.exports = () => {};\n")
    with AppHost(app_root=app) as host, client_for(host) as http:
        assert http.get("/api/same").status_code == 200
        assert http.post("/api/same").status_code == 200
        assert http.put("/api/same").status_code == 404
        assert http.get("/api/not_a_function").status_code == 404
        assert http.get("/api/node_style").status_code == 500
        assert "is not a Python (.py) file" in host.logs()


def test_settings_file_values_become_environment_like_func_start(tmp_path: Path) -> None:
    settings = tmp_path / "local.settings.json"
    settings.write_text(json.dumps({"IsEncrypted": False, "Values": {
        "FROM_FILE": "file", "PRESET": "file", "BLANK_IN_ENV": "file", "EMPTY": "",
        "NUMBER": 300, "FLAG": True,
        "AzureFunctionsJobHost__extensions__http__routePrefix": "v2"}}))
    env = {"PRESET": "env", "BLANK_IN_ENV": ""}
    names = "FROM_FILE,PRESET,BLANK_IN_ENV,EMPTY,NUMBER,FLAG,AzureWebJobsScriptRoot"
    with AppHost(env, app_root=APPS / "basic", settings_file=settings) as host, \
            client_for(host) as http:
        seen = http.get("/v2/settings", params={"names": names}).json()
        assert seen == {"FROM_FILE": "file", "PRESET": "env", "BLANK_IN_ENV": "file", "EMPTY": None,
                        "NUMBER": "300", "FLAG": "True",
                        "AzureWebJobsScriptRoot": str(APPS / "basic")}
        # host.json says "api"; the setting overrides it through the host's config flattening.
        assert http.get("/v2/NoRoute").text == "NoRoute"
        assert http.get("/api/NoRoute").status_code == 404
        logs = host.logs()
    assert ("Skipping 'PRESET' from local settings as it's already defined in current environment "
            "variables.") in logs
    assert "Skipping 'BLANK_IN_ENV'" not in logs


def test_missing_settings_file_is_a_warning(basic_host: AppHost) -> None:
    assert "No settings file at" in basic_host.logs()


def _wait_for_line(path: Path, text: str, process: subprocess.Popen, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text() if path.exists() else ""
        if text in content:
            return content
        if process.poll() is not None:
            raise AssertionError(f"the host exited:\n{content}")
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {path}")


def test_ready_line_default_port_and_graceful_sigterm(tmp_path: Path) -> None:
    """Port from Host.LocalHttpPort; a ready line listing every function URL; SIGTERM lets the
    running request finish, then the process exits 0."""
    port = free_port()
    settings = tmp_path / "local.settings.json"
    settings.write_text(json.dumps({"Values": {}, "Host": {"LocalHttpPort": port}}))
    log_path = tmp_path / "host.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "devserver", "--app-root", str(APPS / "throttled"),
             "--settings", str(settings)],
            cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output = _wait_for_line(log_path, "devserver ready", process)
        base = f"http://127.0.0.1:{port}"
        ready = output[output.index("devserver ready"):]
        assert f"listening on {base}" in ready.splitlines()[0]
        for name in ("async_hang", "hang", "slow"):
            assert f"{name}: [GET] {base}/api/{name}" in ready

        result: dict[str, httpx.Response] = {}
        request = threading.Thread(target=lambda: result.setdefault(
            "slow", httpx.get(f"{base}/api/slow", params={"ms": "800"}, timeout=30)))
        request.start()
        time.sleep(0.3)
        process.send_signal(signal.SIGTERM)
        request.join(timeout=30)
        assert result["slow"].status_code == 200
        assert process.wait(timeout=20) == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base}/api/slow", timeout=5)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
