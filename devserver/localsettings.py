"""``local.settings.json`` → process environment, the way ``func start`` does it.

Core Tools (``StartHostAction.UpdateEnvironmentVariables``) copies every ``Values`` entry into the
process environment **unless the variable is already set to a non-empty value**, in which case it
prints "Skipping 'X' from local settings as it's already defined in current environment variables."
Setting a .NET environment variable to an empty string removes it, so an empty value leaves the
variable unset. Values are read as strings (Newtonsoft turns ``true`` into ``"True"``, ``300`` into
``"300"``). ``Host.LocalHttpPort`` is the default port.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, MutableMapping

from devserver.errors import StartupError, read_json_object

log = logging.getLogger("devserver")


@dataclass(frozen=True)
class LocalSettings:
    """The parts of ``local.settings.json`` the host uses."""

    values: dict[str, str | None] = field(default_factory=dict)
    local_http_port: int | None = None


def read_local_settings(path: Path) -> LocalSettings:
    """Parse the settings file; a missing file is a warning (``func start`` goes on without it)."""
    if not path.is_file():
        log.warning("No settings file at %s: starting without local settings.", path)
        return LocalSettings()
    document = read_json_object(path)
    if document.get("IsEncrypted") is True:
        raise StartupError(f"{path} is encrypted (IsEncrypted: true); the local host reads only "
                           f"plain settings files ('func settings decrypt' turns it back).")
    values = document.get("Values") or {}
    if not isinstance(values, dict):
        raise StartupError(f"{path}: 'Values' must be an object of setting names to strings.")
    host = document.get("Host") or {}
    port = host.get("LocalHttpPort") if isinstance(host, dict) else None
    if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536):
        raise StartupError(f"{path}: Host.LocalHttpPort must be a TCP port number, got {port!r}")
    return LocalSettings({name: _as_setting_string(path, name, value) for name, value in values.items()},
                         port)


def _as_setting_string(path: Path, name: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    raise StartupError(f"{path}: the value of {name!r} must be a string, got {type(value).__name__}")


def apply_to_environment(values: dict[str, str | None], environ: MutableMapping[str, str]) -> None:
    """Copy settings into ``environ``; non-empty existing variables win (like Core Tools)."""
    for name, value in values.items():
        if environ.get(name):
            log.warning("Skipping '%s' from local settings as it's already defined in current "
                        "environment variables.", name)
        elif value:
            environ[name] = value
        else:
            environ.pop(name, None)
