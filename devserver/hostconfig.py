"""``host.json`` as the real host reads it: version check, HTTP options, ``functionTimeout``.

The host flattens ``host.json`` into configuration keys under ``AzureFunctionsJobHost`` (key paths
joined with ``:``, compared case-insensitively), so an environment variable such as
``AzureFunctionsJobHost__extensions__http__routePrefix`` overrides the file
(``HostJsonFileConfigurationSource.cs``). :func:`load_host_config` does the same for the settings the
local host uses.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from devserver.errors import StartupError, parse_json_object

log = logging.getLogger("devserver")

ENV_PREFIX = "azurefunctionsjobhost__"
DEFAULT_ROUTE_PREFIX = "api"
# Premium/Dedicated default (ScriptJobHostOptionsSetup.cs); the project targets a Premium plan.
DEFAULT_FUNCTION_TIMEOUT_SECONDS = 30 * 60.0
UNBOUNDED = -1

_TIMESPAN = re.compile(r"^(?:(?P<days>\d+)\.)?(?P<h>\d{1,2}):(?P<m>\d{1,2})"
                       r"(?::(?P<s>\d{1,2})(?:\.(?P<frac>\d{1,7}))?)?$")


@dataclass(frozen=True)
class HostConfig:
    """What the local host takes from ``host.json`` (after environment overrides)."""

    route_prefix: str = DEFAULT_ROUTE_PREFIX
    max_concurrent_requests: int = UNBOUNDED
    max_outstanding_requests: int = UNBOUNDED
    function_timeout_seconds: float | None = DEFAULT_FUNCTION_TIMEOUT_SECONDS  # None: unbounded
    function_timeout_text: str = "00:30:00"


def load_host_config(app_root: Path, environ: Mapping[str, str]) -> HostConfig:
    """Read ``<app_root>/host.json``; raise :class:`StartupError` where the real host refuses it."""
    path = app_root / "host.json"
    document = _read_host_json(path)
    values = _flatten(document)
    for name, value in environ.items():
        if name.lower().startswith(ENV_PREFIX):
            values[name[len(ENV_PREFIX):].replace("__", ":").lower()] = value

    prefix = values.get("extensions:http:routeprefix", DEFAULT_ROUTE_PREFIX)
    if prefix is None:
        prefix = DEFAULT_ROUTE_PREFIX
    timeout_text = values.get("functiontimeout")
    return HostConfig(
        route_prefix=str(prefix).strip("/"),
        max_concurrent_requests=_throttle(values, "maxConcurrentRequests"),
        max_outstanding_requests=_throttle(values, "maxOutstandingRequests"),
        function_timeout_seconds=(DEFAULT_FUNCTION_TIMEOUT_SECONDS if timeout_text is None
                                  else parse_function_timeout(str(timeout_text))),
        function_timeout_text="00:30:00" if timeout_text is None else str(timeout_text),
    )


def _read_host_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        log.warning("No host configuration file found at %s; using the defaults.", path)
        return {"version": "2.0"}
    text = path.read_text(encoding="utf-8-sig")
    if not text.strip():
        # The host replaces an empty host.json with its default document.
        return {"version": "2.0"}
    document = parse_json_object(text, path)
    if "version" not in document:
        raise StartupError(f"The host.json file is missing the required 'version' property. "
                           f"See https://aka.ms/functions-hostjson for steps to migrate the "
                           f"configuration file. ({path})")
    if document["version"] != "2.0":
        raise StartupError(f"'{document['version']}' is an invalid value for host.json 'version' "
                           f"property. This value must be '2.0'. ({path})")
    return document


def _flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    """Configuration keys as the .NET JSON provider makes them (``a:b:0``), lower-cased."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = ((str(index), value) for index, value in enumerate(node))
    else:
        return {prefix: node}
    flat: dict[str, Any] = {}
    for key, value in items:
        flat.update(_flatten(value, f"{prefix}:{key}".lower() if prefix else str(key).lower()))
    return flat


def _throttle(values: Mapping[str, Any], name: str) -> int:
    raw = values.get(f"extensions:http:{name.lower()}", UNBOUNDED)
    try:
        number = int(str(raw).strip())
    except ValueError:
        raise StartupError(f"host.json extensions.http.{name} must be an integer, got {raw!r}") from None
    if number != UNBOUNDED and number < 1:
        raise StartupError(f"host.json extensions.http.{name} must be -1 (unbounded) or at least 1, "
                           f"got {number}")
    return number


def parse_function_timeout(text: str) -> float | None:
    """A .NET TimeSpan string (``hh:mm:ss``, ``d.hh:mm:ss``, ...) in seconds; ``-1`` is unbounded."""
    text = text.strip()
    if text == "-1":
        return None
    match = _TIMESPAN.match(text)
    if match is None:
        raise StartupError(f"host.json functionTimeout {text!r} is not a valid TimeSpan "
                           f"(use hh:mm:ss, or -1 for unbounded).")
    hours, minutes, seconds = int(match["h"]), int(match["m"]), int(match["s"] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise StartupError(f"host.json functionTimeout {text!r} is out of range.")
    total = (int(match["days"] or 0) * 86400 + hours * 3600 + minutes * 60 + seconds
             + float("0." + (match["frac"] or "0")))
    if total < 1:
        raise StartupError(f"host.json functionTimeout {text!r} must be at least 1 second.")
    return total
