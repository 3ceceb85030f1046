"""Function discovery: every folder of the app root holding a ``function.json``, validated like the host.

The real host records most of these errors as "function in error" and leaves the function out;
the local host refuses to start instead, so a broken ``function.json`` cannot slip through a local
run (docs/local-host.md). Sources: ``Utility.cs`` (name regexes, ``ValidateBinding``),
``HostFunctionMetadataProvider.cs`` (at least one binding, primary script file),
``ScriptHost.ValidateHttpFunction`` (built-in route prefixes, route conflicts),
``WebJobsCoreScriptBindingProvider.cs`` (``authLevel``, case-insensitive property names).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

from devserver.errors import StartupError, read_json_object

log = logging.getLogger("devserver")

FUNCTION_NAME = re.compile(r"^[a-z][a-z0-9_\-]{0,127}$", re.IGNORECASE)
BINDING_NAME = re.compile(r"^([a-zA-Z][a-zA-Z0-9]{0,127}|\$return)$")
AUTH_LEVELS = ("anonymous", "function", "admin")
DIRECTIONS = ("in", "out", "inout")
BUILT_IN_ROUTE_PREFIXES = ("admin", "runtime")


@dataclass(frozen=True)
class Binding:
    name: str
    type: str          # lower-cased
    direction: str     # lower-cased
    properties: Mapping[str, Any]  # keys lower-cased (the host matches them case-insensitively)


@dataclass(frozen=True)
class FunctionSpec:
    """One HTTP-triggered function as declared by its folder and ``function.json``."""

    name: str
    directory: Path
    script_file: Path
    entry_point: str
    bindings: tuple[Binding, ...]
    trigger: Binding
    auth_level: str                  # anonymous | function | admin
    methods: frozenset[str] | None   # upper-cased; None = every method
    route: str                       # as declared, or the function name
    disabled: bool

    @property
    def http_output(self) -> Binding | None:
        return next((b for b in self.bindings if b.type == "http" and b.direction == "out"), None)


def discover_functions(app_root: Path, environ: Mapping[str, str]) -> list[FunctionSpec]:
    """Every HTTP function of the app, in the host's order; raise StartupError on a refused app."""
    specs = []
    for directory in sorted(app_root.iterdir(), key=lambda path: path.name.upper()):
        if not (directory.is_dir() and (directory / "function.json").is_file()):
            continue
        spec = _read_function(directory, environ)
        if spec is not None:
            specs.append(spec)
    check_routes(specs)
    return specs


def _read_function(directory: Path, environ: Mapping[str, str]) -> FunctionSpec | None:
    name = directory.name
    if not FUNCTION_NAME.match(name) or name.lower() == "host":
        raise StartupError(f"'{name}' is not a valid function name: function folder names must "
                           f"match {FUNCTION_NAME.pattern} (case-insensitive) and not be 'host'.")
    config_path = directory / "function.json"
    config = {key.lower(): value for key, value in read_json_object(config_path).items()}
    if config.get("excluded") is True:
        log.info("Function '%s' is excluded (\"excluded\": true).", name)
        return None

    bindings = _read_bindings(name, config.get("bindings"))
    triggers = [b for b in bindings if b.type.endswith("trigger")]
    if not triggers:
        raise StartupError(f"Function '{name}': No trigger binding specified. A function must have "
                           f"a trigger input binding.")
    if len(triggers) > 1:
        raise StartupError(f"Function '{name}': Multiple trigger bindings defined. A function can "
                           f"only have a single trigger binding.")
    trigger = triggers[0]
    if trigger.type != "httptrigger":
        log.warning("Function '%s' has a '%s' trigger: the local host serves HTTP triggers only; "
                    "skipped.", name, trigger.type)
        return None

    return FunctionSpec(
        name=name, directory=directory,
        script_file=_script_file(name, directory, config.get("scriptfile")),
        entry_point=str(config.get("entrypoint") or "main"),
        bindings=bindings, trigger=trigger,
        auth_level=_auth_level(name, trigger.properties.get("authlevel")),
        methods=_methods(name, trigger.properties.get("methods")),
        route=_route(name, trigger.properties.get("route")),
        disabled=_is_disabled(name, config.get("disabled"), environ),
    )


def _read_bindings(function: str, raw: Any) -> tuple[Binding, ...]:
    if not isinstance(raw, list) or not raw:
        raise StartupError(f"Function '{function}': At least one binding must be declared.")
    bindings: list[Binding] = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, dict):
            raise StartupError(f"Function '{function}': every binding must be a JSON object.")
        properties = {key.lower(): value for key, value in item.items()}
        name, kind, direction = (properties.get(key) for key in ("name", "type", "direction"))
        if not isinstance(name, str) or not BINDING_NAME.match(name):
            raise StartupError(f"Function '{function}': The binding name {name!r} is invalid. "
                               f"Please assign a valid name to the binding (letters and digits "
                               f"only, starting with a letter; no underscores; or '$return').")
        if not isinstance(kind, str) or not kind:
            raise StartupError(f"Function '{function}': binding '{name}' has no 'type'.")
        if not isinstance(direction, str) or direction.lower() not in DIRECTIONS:
            raise StartupError(f"Function '{function}': binding '{name}' must have 'direction' "
                               f"in, out or inout, got {direction!r}.")
        if name == "$return" and direction.lower() != "out":
            raise StartupError(f"Function '{function}': {name} bindings must specify a direction "
                               f"of 'out'.")
        if name.lower() in seen:
            raise StartupError(f"Function '{function}': Multiple bindings with name '{name}' "
                               f"discovered. Binding names must be unique.")
        seen.add(name.lower())
        bindings.append(Binding(name, kind.lower(), direction.lower(), properties))
    return tuple(bindings)


def _script_file(function: str, directory: Path, declared: Any) -> Path:
    if declared is not None:
        path = (directory / str(declared)).resolve()
        if not path.is_file():
            raise StartupError(f"Function '{function}': Invalid script file name configuration. "
                               f"The 'scriptFile' property is set to a file that does not exist: "
                               f"{declared}")
        return path
    files = [path for path in directory.iterdir() if path.is_file() and path.name != "function.json"]
    if len(files) == 1:
        return files[0].resolve()
    if (directory / "__init__.py").is_file():
        return (directory / "__init__.py").resolve()
    raise StartupError(f"Function '{function}': Unable to determine the primary function script. "
                       f"Make sure at least one script file is present, or set 'scriptFile'.")


def _auth_level(function: str, raw: Any) -> str:
    if raw is None:
        return "function"
    level = str(raw).lower()
    if level not in AUTH_LEVELS:
        raise StartupError(f"Function '{function}': Error parsing function.json: Invalid value "
                           f"specified for binding property 'authLevel' of enum type "
                           f"AuthorizationLevel: {raw!r} (use {', '.join(AUTH_LEVELS)}).")
    return level


def _methods(function: str, raw: Any) -> frozenset[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(m, str) and m.strip() for m in raw):
        raise StartupError(f"Function '{function}': 'methods' must be a list of HTTP method names.")
    return frozenset(m.strip().upper() for m in raw) or None


def _route(function: str, raw: Any) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return function
    if not isinstance(raw, str):
        raise StartupError(f"Function '{function}': 'route' must be a string.")
    return raw


def _truthy(text: str) -> bool:
    return text.strip().lower() in ("true", "1")


def _is_disabled(function: str, raw: Any, environ: Mapping[str, str]) -> bool:
    """``"disabled"`` (a bool, or the name of a setting holding one) or ``AzureWebJobs.<name>.Disabled``."""
    if _truthy(environ.get(f"AzureWebJobs.{function}.Disabled", "")):
        return True
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        if raw.strip().lower() in ("true", "false"):
            return _truthy(raw)
        return _truthy(environ.get(raw, ""))
    return False


def check_routes(specs: Iterable[FunctionSpec]) -> None:
    """Refuse routes that shadow built-in ones or conflict with another function's route."""
    checked: list[FunctionSpec] = []
    for spec in specs:
        normalized = spec.route.strip("/").lower()
        if normalized.startswith(BUILT_IN_ROUTE_PREFIXES):
            raise StartupError(f"Function '{spec.name}': The specified route '{spec.route}' "
                               f"conflicts with one or more built in routes.")
        for other in checked:
            if (other.route.strip("/").lower() == normalized
                    and _methods_intersect(other.methods, spec.methods)):
                raise StartupError(f"Function '{spec.name}': The route specified conflicts with "
                                   f"the route defined by function '{other.name}'.")
        checked.append(spec)


def _methods_intersect(first: frozenset[str] | None, second: frozenset[str] | None) -> bool:
    return first is None or second is None or bool(first & second)
