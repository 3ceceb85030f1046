"""``python -m devserver``: build the host from the app folder and serve it with uvicorn.

Start-up follows ``func start``: settings file → environment, ``host.json``, function discovery
(refusing what the real host refuses), imports in the worker's way, keys when ``--enable-auth``.
Then one "ready" line with the URL of every function. SIGTERM/SIGINT stop it gracefully:
no new connections, running requests finish (up to :data:`GRACEFUL_SECONDS`).
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import MutableMapping, Sequence

import uvicorn

from devserver.app import DEFAULT_BODY_LIMIT, FunctionsApp, HostedFunction, HostState
from devserver.discovery import FunctionSpec, discover_functions
from devserver.errors import StartupError
from devserver.hostconfig import HostConfig, load_host_config
from devserver.invocation import Invoker
from devserver.keys import load_key_store, secrets_folder
from devserver.loader import FunctionLoadError, LoadedFunction, install_app_package, load_function
from devserver.localsettings import apply_to_environment, read_local_settings
from devserver.routing import RouteTable, compile_route
from devserver.throttle import RequestQueue

log = logging.getLogger("devserver")

DEFAULT_PORT = 7071
DEFAULT_HOST = "127.0.0.1"
GRACEFUL_SECONDS = 10
THREAD_NAME_PREFIX = "devserver-fn"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devserver",
        description="Serve an Azure Functions Python (v1 model) app the way the Functions host does.")
    parser.add_argument("--app-root", default=".", help="function app folder (default: .)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="interface to listen on (default 127.0.0.1; func start listens on all)")
    parser.add_argument("--port", type=int, default=None,
                        help="port (default: Host.LocalHttpPort of the settings file, else 7071)")
    parser.add_argument("--settings", default=None,
                        help="settings file (default: <app-root>/local.settings.json)")
    parser.add_argument("--enable-auth", action="store_true",
                        help="enforce function/admin keys like 'func start --enableAuth'")
    return parser.parse_args(argv)


def configure_logging() -> None:
    """Host and function logs (Python ``logging``) on stdout, one line each, UTC timestamps."""
    handler = logging.StreamHandler(sys.stdout)
    formatter = logging.Formatter("[%(asctime)s.%(msecs)03dZ] %(levelname)s %(name)s: %(message)s",
                                  "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    # The Azure SDK logs every HTTP request at INFO; keep the console readable.
    logging.getLogger("azure").setLevel(logging.WARNING)


def _int_setting(environ: MutableMapping[str, str], name: str, default: int) -> int:
    """A positive integer setting; an invalid value is ignored with a warning, as the host does."""
    raw = environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
        if value >= 1:
            return value
    except ValueError:
        pass
    log.warning("Ignoring %s=%r: it must be a positive integer.", name, raw)
    return default


@dataclass(frozen=True)
class BuiltHost:
    state: HostState
    specs: list[FunctionSpec]
    executor: ThreadPoolExecutor
    thread_count: int


def build_host(app_root: Path, config: HostConfig, environ: MutableMapping[str, str],
               enable_auth: bool) -> BuiltHost:
    """Discover and load the functions and assemble the pipeline's state."""
    specs = discover_functions(app_root, environ)
    routes = RouteTable(compile_route(spec.name, config.route_prefix, spec.route, spec.methods)
                        for spec in specs)
    install_app_package(app_root)
    functions = {}
    for spec in specs:
        try:
            loaded: LoadedFunction | Exception = load_function(app_root, spec)
        except Exception as exc:  # noqa: BLE001 - like the worker: log, keep the host up, fail calls
            detail = (str(exc) if isinstance(exc, FunctionLoadError)
                      else "".join(traceback.format_exception(exc)).rstrip())
            log.error("Function '%s' failed to load; its invocations will fail (500): %s",
                      spec.name, detail)
            loaded = exc
        functions[spec.name] = HostedFunction(spec, loaded)

    key_store = None
    if enable_auth:
        key_store = load_key_store(secrets_folder(app_root, environ))
        log.info("Authorization is on: keys are read from %s", key_store.folder)

    # The worker's default on Python 3.9+ is the executor's own: min(32, cpu_count + 4).
    threads = _int_setting(environ, "PYTHON_THREADPOOL_THREAD_COUNT",
                           min(32, (os.cpu_count() or 1) + 4))
    executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=THREAD_NAME_PREFIX)
    state = HostState(
        routes=routes, functions=functions,
        invoker=Invoker(executor, config.function_timeout_seconds, config.function_timeout_text),
        queue=RequestQueue(config.max_concurrent_requests, config.max_outstanding_requests),
        key_store=key_store,
        body_limit=_int_setting(environ, "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT", DEFAULT_BODY_LIMIT),
        homepage_disabled=environ.get("AzureWebJobsDisableHomepage", "").lower() == "true")
    return BuiltHost(state, specs, executor, threads)


def ready_message(base_url: str, config: HostConfig, built: BuiltHost) -> str:
    """The ready line followed by each function's methods and URL, like ``func start`` prints."""
    state, specs = built.state, built.specs
    lines = [f"devserver ready: listening on {base_url} (functions: {len(specs)}, authorization "
             f"{'on' if state.key_store else 'off'}, thread pool {built.thread_count}):"]
    for spec in specs:
        methods = ",".join(sorted(spec.methods)) if spec.methods else "ALL"
        prefix = f"{config.route_prefix}/" if config.route_prefix else ""
        notes = (" (disabled)" if spec.disabled else "") + (
            " (failed to load)" if isinstance(state.functions[spec.name].loaded, Exception) else "")
        lines.append(f"        {spec.name}: [{methods}] {base_url}/{prefix}{spec.route.strip('/')}{notes}")
    return "\n".join(lines)


class _Server(uvicorn.Server):
    """uvicorn's server, printing the ready message once the socket listens."""

    def __init__(self, config: uvicorn.Config, message: str) -> None:
        super().__init__(config)
        self.ready_text = message

    async def startup(self, sockets=None) -> None:  # type: ignore[no-untyped-def]
        await super().startup(sockets)
        if self.started and not self.should_exit:
            print(self.ready_text, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    configure_logging()
    environ = os.environ
    app_root = Path(args.app_root).resolve()
    try:
        if not app_root.is_dir():
            raise StartupError(f"The app root {app_root} is not a folder.")
        settings = read_local_settings(Path(args.settings).resolve() if args.settings
                                       else app_root / "local.settings.json")
        port = args.port or settings.local_http_port or DEFAULT_PORT
        display_host = "localhost" if args.host in ("0.0.0.0", "::") else args.host
        apply_to_environment({**settings.values, "AzureWebJobsScriptRoot": str(app_root),
                              "WEBSITE_HOSTNAME": f"{display_host}:{port}",
                              "AZURE_FUNCTIONS_ENVIRONMENT": "Development"}, environ)
        config = load_host_config(app_root, environ)
        os.chdir(app_root)  # the worker runs with the app root as working directory
        built = build_host(app_root, config, environ, args.enable_auth)
    except StartupError as exc:
        print(f"devserver: cannot start: {exc}", file=sys.stderr, flush=True)
        return 2

    server = _Server(uvicorn.Config(
        FunctionsApp(built.state), host=args.host, port=port, http="h11", ws="none", lifespan="off",
        log_config=None, access_log=False, server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS),
        ready_message(f"http://{display_host}:{port}", config, built))
    # uvicorn re-raises the captured signal after its graceful shutdown; these handlers absorb it
    # so the executor is shut down below and the exit status is 0.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    server.run()
    _stop_executor(built.executor)
    return 0 if server.started else 1


def _stop_executor(executor: ThreadPoolExecutor) -> None:
    """Stop the pool; calls abandoned after ``functionTimeout`` must not keep the process alive."""
    executor.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + 2
    busy = [t for t in threading.enumerate() if t.name.startswith(THREAD_NAME_PREFIX)]
    for thread in busy:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in busy):
        log.warning("Stopping with function calls still running (abandoned after a timeout).")
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)
