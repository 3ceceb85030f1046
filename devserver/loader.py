"""Import function scripts as the Python worker does, with its signature checks.

The worker registers the app root as the search path of a synthetic namespace package
``__app__`` and imports ``<Folder>/__init__.py`` as ``__app__.<Folder>`` (another file ``x.py`` as
``__app__.<Folder>.x``); the app root is also on ``sys.path``, so a top-level ``shared/`` package
imports as ``shared`` (``azure_functions_worker/loader.py``). The checks mirror
``azure_functions_worker/functions.py``: parameters vs binding names, ``context``, ``Out``
annotations, trigger and return annotations. A function that fails to load does not stop the
host: its invocations fail with 500 and the error is logged.
"""
from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import inspect
import sys
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import azure.functions as func

from devserver.discovery import FunctionSpec

APP_PACKAGE = "__app__"


@dataclass(frozen=True)
class LoadedFunction:
    """A function the worker would accept: the callable and how to bind its parameters."""

    main: Callable[..., Any]
    is_async: bool
    requires_context: bool
    trigger_parameter: str
    out_parameters: tuple[str, ...]   # named (non-$return) output bindings


class FunctionLoadError(RuntimeError):
    def __init__(self, function: str, message: str) -> None:
        super().__init__(f"cannot load the {function} function: {message}")


def install_app_package(app_root: Path) -> None:
    """Put the app root on ``sys.path`` and register the ``__app__`` namespace package."""
    root = str(app_root)
    if root not in sys.path:
        sys.path.insert(0, root)
    spec = importlib.machinery.ModuleSpec(APP_PACKAGE, None, is_package=True)
    spec.submodule_search_locations = [root]
    sys.modules[APP_PACKAGE] = importlib.util.module_from_spec(spec)


def load_function(app_root: Path, spec: FunctionSpec) -> LoadedFunction:
    """Import the function's script and check its entry point; raise :class:`FunctionLoadError`."""
    script = spec.script_file
    try:
        relative = script.relative_to(app_root)
    except ValueError:
        raise FunctionLoadError(spec.name, f"script file {script} is not within the function "
                                           f"app root {app_root}") from None
    if script.suffix != ".py":
        raise FunctionLoadError(spec.name, f"script file {relative} is not a Python (.py) file")
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    module = importlib.import_module(".".join([APP_PACKAGE, *parts]))
    main = getattr(module, spec.entry_point, None)
    if main is None or not callable(main):
        raise FunctionLoadError(spec.name, f"function {spec.entry_point}() is not present in "
                                           f"{relative}")
    return _check_signature(spec, main)


def _is_out(annotation: Any) -> bool:
    origin = typing.get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, func.Out)


def _check_signature(spec: FunctionSpec, main: Callable[..., Any]) -> LoadedFunction:
    name = spec.name
    params = dict(inspect.signature(main).parameters)
    try:
        annotations = typing.get_type_hints(main)
    except Exception as exc:  # noqa: BLE001 - any failure to resolve hints fails the load
        raise FunctionLoadError(name, f"invalid annotations: {exc}") from None
    bound = {b.name: b for b in spec.bindings if b.name != "$return"}
    for binding in spec.bindings:
        if binding.direction == "inout":
            raise FunctionLoadError(name, '"inout" bindings are not supported')

    requires_context = "context" in params and "context" not in bound
    if requires_context:
        params.pop("context")
        context_type = annotations.get("context")
        if context_type is not None and not (isinstance(context_type, type)
                                             and context_type.__name__ == "Context"):
            raise FunctionLoadError(name, f'the "context" parameter is expected to be of type '
                                          f'azure.functions.Context, got {context_type!r}')
    if set(params) - set(bound):
        raise FunctionLoadError(name, f"the following parameters are declared in Python but not "
                                      f"in function.json: {set(params) - set(bound)!r}")
    if set(bound) - set(params):
        raise FunctionLoadError(name, f"the following parameters are declared in function.json "
                                      f"but not in Python: {set(bound) - set(params)!r}")

    out_parameters = []
    for param_name, binding in bound.items():
        if binding is not spec.trigger and binding.type != "http":
            raise FunctionLoadError(name, f"binding {param_name} has type \"{binding.type}\": the "
                                          f"local host serves HTTP triggers and outputs only")
        annotation = annotations.get(param_name)
        if binding.direction == "out":
            if annotation is not None and not _is_out(annotation):
                raise FunctionLoadError(name, f'binding {param_name} is declared to have the "out" '
                                              f'direction, but its annotation in Python is not a '
                                              f'subclass of azure.functions.Out')
            out_parameters.append(param_name)
        elif annotation is not None and _is_out(annotation):
            raise FunctionLoadError(name, f'binding {param_name} is declared to have the "in" '
                                          f'direction in function.json, but its annotation is '
                                          f'azure.functions.Out in Python')
    trigger_type = annotations.get(spec.trigger.name)
    if trigger_type is not None and not (isinstance(trigger_type, type)
                                         and issubclass(trigger_type, func.HttpRequest)):
        raise FunctionLoadError(name, f'type of {spec.trigger.name} binding in function.json '
                                      f'"httpTrigger" does not match its Python annotation '
                                      f'"{getattr(trigger_type, "__name__", trigger_type)}"')
    _check_return(spec, annotations)
    return LoadedFunction(main, inspect.iscoroutinefunction(main), requires_context,
                          spec.trigger.name, tuple(out_parameters))


def _check_return(spec: FunctionSpec, annotations: dict[str, Any]) -> None:
    returned = next((b for b in spec.bindings if b.name == "$return"), None)
    if returned is None or "return" not in annotations:
        return
    annotation = annotations["return"]
    if _is_out(annotation):
        raise FunctionLoadError(spec.name, "return annotation should not be azure.functions.Out")
    if not isinstance(annotation, type):
        raise FunctionLoadError(spec.name, f"has invalid non-type return annotation {annotation!r}")
    if returned.type == "http" and not issubclass(annotation, (func.HttpResponse, str)):
        raise FunctionLoadError(spec.name, f'Python return annotation "{annotation.__name__}" does '
                                           f'not match binding type "http"')
