"""Fixtures for the local host's end-to-end tests: fixture apps served over real loopback HTTP.

Committed fixture apps live in ``apps/<name>/``; apps that exist to be refused (or to cover a table
of route templates) are written to a temporary folder by :func:`write_app`.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from tests.support.apphost import PROJECT_ROOT, AppHost
from tests.support.ports import free_port

APPS = Path(__file__).resolve().parent / "apps"

ROUTE_VALUES_SCRIPT = '''import json

import azure.functions as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(dict(req.route_params)), mimetype="application/json")
'''


def http_function(route: str | None = None, methods: list[str] | None = None,
                  auth_level: str | None = "anonymous", trigger_name: str = "req",
                  output: str | None = "$return", **trigger: Any) -> dict[str, Any]:
    """A ``function.json`` document for an HTTP function."""
    binding: dict[str, Any] = {"type": "httpTrigger", "direction": "in", "name": trigger_name,
                               **trigger}
    if auth_level is not None:
        binding["authLevel"] = auth_level
    if route is not None:
        binding["route"] = route
    if methods is not None:
        binding["methods"] = methods
    bindings = [binding]
    if output is not None:
        bindings.append({"type": "http", "direction": "out", "name": output})
    return {"bindings": bindings}


def write_app(root: Path, functions: dict[str, dict[str, Any]],
              host_json: dict[str, Any] | str | None = None,
              script: str = ROUTE_VALUES_SCRIPT) -> Path:
    """An app folder: ``host.json`` (a document, raw text, or version 2.0) and one folder per function."""
    root.mkdir(parents=True, exist_ok=True)
    text = host_json if isinstance(host_json, str) else json.dumps(host_json or {"version": "2.0"})
    (root / "host.json").write_text(text)
    for name, document in functions.items():
        folder = root / name
        folder.mkdir()
        (folder / "function.json").write_text(json.dumps(document))
        (folder / "__init__.py").write_text(script)
    return root


def run_until_exit(app_root: Path, *args: str, env: dict[str, str] | None = None,
                   timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """Run ``python -m devserver`` for an app expected to be refused (exit before listening)."""
    command = [sys.executable, "-m", "devserver", "--app-root", str(app_root), "--host",
               "127.0.0.1", "--port", str(free_port()), "--settings",
               str(app_root / "no-settings.json"), *args]
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env)


def client_for(host: AppHost) -> httpx.Client:
    return httpx.Client(base_url=host.base_url, timeout=30)


@pytest.fixture(scope="session")
def basic_host() -> Iterator[AppHost]:
    """The ``basic`` fixture app, auth off (as under ``func start``), two pool threads."""
    with AppHost({"PYTHON_THREADPOOL_THREAD_COUNT": "2"}, app_root=APPS / "basic") as host:
        yield host


@pytest.fixture()
def basic(basic_host: AppHost) -> Iterator[httpx.Client]:
    with client_for(basic_host) as http:
        yield http
