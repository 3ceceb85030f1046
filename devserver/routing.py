"""ASP.NET Core route templates, as the Functions host matches HTTP trigger routes.

The host puts every function's route (``routePrefix/route``) into one route collection, in function
order (name, ``OrdinalIgnoreCase``), and the first route that matches wins; a method that is not
listed makes the route not match, so the answer is 404, never 405 (``WebJobsRouteBuilder``,
``WebScriptHostHttpRoutesManager``, ``FunctionMetadataManager``).

Supported template syntax: literal segments (case-insensitive), ``{p}``, optional ``{p?}``,
defaults ``{p=x}``, catch-all ``{*p}``/``{**p}``, complex segments such as ``{name}.{ext}``, the
``{{``/``}}`` brace escapes, and the inline constraints of ASP.NET's default constraint map
(see :data:`CONSTRAINTS`), combinable as ``{q:int:max(10)?}``.
"""
from __future__ import annotations

import decimal
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Callable, Iterable, Sequence
from urllib.parse import unquote

from devserver.errors import StartupError

Check = Callable[[str], bool]

_WS = "[ \t\n\v\f\r]*"
_INTEGER = re.compile(f"^{_WS}[+-]?[0-9]+{_WS}$")
_DECIMAL = re.compile(f"^{_WS}(?:[+-]?(?:[0-9][0-9,]*\\.?[0-9]*|\\.[0-9]+)|"
                      f"(?:[0-9][0-9,]*\\.?[0-9]*|\\.[0-9]+)[+-]?){_WS}$")
_FLOAT = re.compile(f"^{_WS}[+-]?(?:(?:[0-9][0-9,]*\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                    f"|infinity|nan|\u221e){_WS}$", re.IGNORECASE)
_HEX = "[0-9a-fA-F]"
_GUID_D = f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
_GUID = re.compile(
    f"^{_WS}(?:{_HEX}{{32}}|{_GUID_D}|\\{{{_GUID_D}\\}}|\\({_GUID_D}\\)|"
    f"\\{{0[xX]{_HEX}{{1,8}},0[xX]{_HEX}{{1,4}},0[xX]{_HEX}{{1,4}},"
    f"\\{{0[xX]{_HEX}{{1,2}}(?:,0[xX]{_HEX}{{1,2}}){{7}}\\}}\\}}){_WS}$")
_ALPHA = re.compile("^[A-Za-z]*$")
_ISO_DATETIME = re.compile(
    r"^(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d{1,7})?)?)?"
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?$", re.IGNORECASE)
_US_DATETIME = re.compile(
    r"^(?P<mo>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"
    r"(?: (?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?: ?(?P<ampm>AM|PM))?)?$", re.IGNORECASE)
_TIME_ONLY = re.compile(r"^(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d{1,7})?)?$")
_DECIMAL_MAX = decimal.Decimal("79228162514264337593543950335")
_INT32 = (-2**31, 2**31 - 1)
_INT64 = (-2**63, 2**63 - 1)


def _integer(value: str, bounds: tuple[int, int]) -> int | None:
    if not _INTEGER.match(value):
        return None
    number = int(value.strip())
    return number if bounds[0] <= number <= bounds[1] else None


def _is_decimal(value: str) -> bool:
    if not _DECIMAL.match(value):
        return False
    text = value.strip().replace(",", "")
    if text.endswith(("+", "-")):
        text = text[-1] + text[:-1]
    try:
        return abs(decimal.Decimal(text)) <= _DECIMAL_MAX
    except decimal.InvalidOperation:
        return False


def _is_datetime(value: str) -> bool:
    """DateTime.TryParse with the invariant culture, for the forms a URL segment can carry."""
    value = value.strip()
    for pattern in (_ISO_DATETIME, _US_DATETIME):
        match = pattern.match(value)
        if match:
            hour = int(match["h"] or 0)
            if match.groupdict().get("ampm"):
                if not 1 <= hour <= 12:
                    return False
                hour = hour % 12 + (12 if match["ampm"].upper() == "PM" else 0)
            try:
                datetime(int(match["y"]), int(match["mo"]), int(match["d"]), hour,
                         int(match["mi"] or 0), int(match["s"] or 0))
            except ValueError:
                return False
            return True
    match = _TIME_ONLY.match(value)
    if match:
        try:
            datetime.combine(date.today(), time(int(match["h"]), int(match["mi"]), int(match["s"] or 0)))
        except ValueError:
            return False
        return True
    return False


def _args(name: str, argument: str | None, count: int) -> list[str]:
    parts = [] if argument is None else [part.strip() for part in argument.split(",")]
    if len(parts) != count:
        raise ValueError(f"the '{name}' constraint takes {count} argument(s)")
    return parts


def _long_arg(name: str, text: str) -> int:
    number = _integer(text, _INT64)
    if number is None:
        raise ValueError(f"the '{name}' constraint needs integer arguments, got {text!r}")
    return number


def _bounded(low: int | None, high: int | None) -> Check:
    def check(value: str) -> bool:
        number = _integer(value, _INT64)
        return (number is not None and (low is None or number >= low)
                and (high is None or number <= high))
    return check


def _length(low: int, high: int) -> Check:
    return lambda value: low <= len(value) <= high


def _make_constraint(name: str, argument: str | None) -> Check:
    """One inline constraint, as in ASP.NET's default constraint map."""
    key = name.lower()
    if key in SIMPLE_CONSTRAINTS:
        if argument is not None:
            raise ValueError(f"the '{name}' constraint takes no arguments")
        return SIMPLE_CONSTRAINTS[key]
    if key == "min":
        return _bounded(_long_arg(name, *_args(name, argument, 1)), None)
    if key == "max":
        return _bounded(None, _long_arg(name, *_args(name, argument, 1)))
    if key == "range":
        low, high = (_long_arg(name, arg) for arg in _args(name, argument, 2))
        return _bounded(low, high)
    if key == "length":
        parts = [_long_arg(name, arg) for arg in (argument or "").split(",")]
        if len(parts) not in (1, 2):
            raise ValueError("the 'length' constraint takes 1 or 2 arguments")
        return _length(parts[0], parts[-1])
    if key == "minlength":
        return _length(_long_arg(name, *_args(name, argument, 1)), 2**63)
    if key == "maxlength":
        return _length(0, _long_arg(name, *_args(name, argument, 1)))
    if key == "regex":
        if argument is None:
            raise ValueError("the 'regex' constraint needs a pattern")
        try:
            pattern = re.compile(argument, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"invalid regex {argument!r}: {exc}") from None
        return lambda value: pattern.search(value) is not None
    raise ValueError(f"the constraint '{name}' could not be resolved by the constraint resolver")


SIMPLE_CONSTRAINTS: dict[str, Check] = {
    "int": lambda value: _integer(value, _INT32) is not None,
    "long": lambda value: _integer(value, _INT64) is not None,
    "bool": lambda value: value.strip().lower() in ("true", "false"),
    "guid": lambda value: _GUID.match(value) is not None,
    "alpha": lambda value: _ALPHA.match(value) is not None,
    "decimal": _is_decimal,
    "double": lambda value: _FLOAT.match(value) is not None,
    "float": lambda value: _FLOAT.match(value) is not None,
    "datetime": _is_datetime,
    "required": lambda value: value != "",
}
#: Every constraint name the templates may use.
CONSTRAINTS = tuple(SIMPLE_CONSTRAINTS) + ("min", "max", "range", "length", "minlength",
                                           "maxlength", "regex")


@dataclass(frozen=True)
class Parameter:
    name: str
    optional: bool = False
    default: str | None = None
    catch_all: bool = False
    constraints: tuple[Check, ...] = ()

    def accepts(self, value: str) -> bool:
        return all(check(value) for check in self.constraints)


Part = str | Parameter


@dataclass(frozen=True)
class Segment:
    """One template segment: literal text and parameters (a complex segment has several parts)."""

    parts: tuple[Part, ...]
    pattern: re.Pattern[str] | None  # only for complex segments

    @property
    def parameter(self) -> Parameter | None:
        """The parameter of a simple (single-parameter) segment."""
        only = self.parts[0] if len(self.parts) == 1 else None
        return only if isinstance(only, Parameter) else None


class RouteTemplate:
    """A parsed route template; :meth:`match` returns route values or None."""

    def __init__(self, template: str) -> None:
        self.text = template
        self.segments: tuple[Segment, ...] = tuple(
            _parse_segment(text) for text in template.split("/")) if template else ()
        self._validate()

    def _validate(self) -> None:
        names: set[str] = set()
        for index, segment in enumerate(self.segments):
            for part in segment.parts:
                if isinstance(part, Parameter):
                    if part.name.lower() in names:
                        raise ValueError(f"The route parameter name '{part.name}' appears more "
                                         f"than one time in the route template.")
                    names.add(part.name.lower())
                    if part.catch_all and (index != len(self.segments) - 1 or len(segment.parts) > 1):
                        raise ValueError("A catch-all parameter can only appear as the last "
                                         "segment of the route template.")

    def match(self, path: Sequence[str]) -> dict[str, str] | None:
        """Route values for the decoded path segments, or None; omitted optionals are absent."""
        values: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            parameter = segment.parameter
            if parameter is not None and parameter.catch_all:
                rest = "/".join(path[index:])
                if rest:
                    if not parameter.accepts(rest):
                        return None
                    values[parameter.name] = rest
                elif parameter.default is not None:
                    values[parameter.name] = parameter.default
                return values
            if index >= len(path):
                if not self._absent_ok(segment, values):
                    return None
                continue
            if not _match_segment(segment, path[index], values):
                return None
        return values if len(path) <= len(self.segments) else None

    @staticmethod
    def _absent_ok(segment: Segment, values: dict[str, str]) -> bool:
        parameter = segment.parameter
        if parameter is None:
            return False
        if parameter.default is not None:
            values[parameter.name] = parameter.default
            return True
        return parameter.optional


def _match_segment(segment: Segment, text: str, values: dict[str, str]) -> bool:
    if segment.pattern is None:
        part = segment.parts[0]
        if isinstance(part, str):
            return part.lower() == text.lower()
        if not text or not part.accepts(text):
            return False
        values[part.name] = text
        return True
    match = segment.pattern.match(text)
    if match is None:
        return False
    parameters = [part for part in segment.parts if isinstance(part, Parameter)]
    for number, parameter in enumerate(parameters, start=1):
        value = match.group(number)
        if value is None:
            continue  # an omitted optional last parameter
        if not parameter.accepts(value):
            return False
        values[parameter.name] = value
    return True


def _parse_segment(text: str) -> Segment:
    if not text:
        raise ValueError("The route template separator character '/' cannot appear consecutively.")
    parts: list[Part] = []
    literal: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in "{}" and text[index + 1:index + 2] == char:
            literal.append(char)
            index += 2
        elif char == "{":
            end = _parameter_end(text, index + 1)
            if literal:
                parts.append("".join(literal))
                literal = []
            elif parts and isinstance(parts[-1], Parameter):
                raise ValueError(f"A path segment cannot contain two consecutive parameters: {text!r}")
            parts.append(_parse_parameter(text[index + 1:end].replace("}}", "}").replace("{{", "{")))
            index = end + 1
        elif char == "}":
            raise ValueError(f"There is an incomplete parameter in the route template: {text!r}")
        else:
            literal.append(char)
            index += 1
    if literal:
        parts.append("".join(literal))
    if len(parts) == 1:
        return Segment(tuple(parts), None)
    return Segment(tuple(parts), _complex_pattern(parts))


def _parameter_end(text: str, start: int) -> int:
    index = start
    while index < len(text):
        if text[index] == "}":
            if text[index + 1:index + 2] == "}":
                index += 2
                continue
            return index
        index += 1
    raise ValueError(f"There is an incomplete parameter in the route template: {text!r}")


def _complex_pattern(parts: list[Part]) -> re.Pattern[str]:
    """Greedy groups: ASP.NET matches complex segments from the right, shortest values last."""
    regex = []
    for position, part in enumerate(parts):
        if isinstance(part, str):
            regex.append(re.escape(part))
            continue
        if part.catch_all:
            raise ValueError("A catch-all parameter cannot be part of a complex segment.")
        if part.optional:
            last = position == len(parts) - 1
            if not (last and position > 0 and parts[position - 1] == "."):
                raise ValueError("An optional parameter in a complex segment must be the last part, "
                                 "preceded by a period ('.').")
            regex[-1] = f"(?:{regex[-1]}(.+))?"
            continue
        regex.append("(.+)")
    return re.compile("".join(regex) + "$", re.IGNORECASE | re.DOTALL)


def _parse_parameter(text: str) -> Parameter:
    catch_all = text.startswith("*")
    body = text.lstrip("*") if catch_all else text
    optional = False
    default: str | None = None
    match = re.match(r"[^:=?]*", body)
    name = match.group(0) if match else ""
    rest = body[len(name):]
    constraints: list[Check] = []
    while rest.startswith(":"):
        constraint, rest = _split_constraint(rest[1:])
        cname, _, argument = constraint.partition("(")
        constraints.append(_make_constraint(cname.strip(), argument[:-1] if argument else None))
    if rest.startswith("="):
        default = rest[1:]
        rest = ""
    if rest == "?":
        optional, rest = True, ""
    if rest:
        raise ValueError(f"The route parameter '{{{text}}}' is malformed.")
    if not name or any(char in name for char in "/{}*?=:") or name.strip() != name:
        raise ValueError(f"The route parameter name '{name}' is invalid.")
    if optional and default is not None:
        raise ValueError("An optional parameter cannot have default value.")
    if optional and catch_all:
        raise ValueError("A catch-all parameter cannot be marked optional.")
    return Parameter(name, optional, default, catch_all, tuple(constraints))


def _split_constraint(text: str) -> tuple[str, str]:
    """One ``name`` or ``name(args)`` constraint, and what follows it.

    Arguments end at the first ``)`` followed by ``:``, ``=``, a final ``?`` or the end, so a
    regex may contain parentheses and colons.
    """
    head = re.match(r"[^(:=?]*", text).group(0)
    if text[len(head):len(head) + 1] != "(":
        return head, text[len(head):]
    index = len(head) + 1
    while True:
        close = text.find(")", index)
        if close < 0:
            raise ValueError(f"The constraint '{text}' has an unclosed argument list.")
        after = text[close + 1:]
        if after == "" or after == "?" or after[0] in ":=":
            return text[:close + 1], after
        index = close + 1


@dataclass(frozen=True)
class Route:
    """One function's route: the template and the methods it answers (None = all)."""

    function: str
    template: RouteTemplate
    methods: frozenset[str] | None

    def allows(self, method: str) -> bool:
        return self.methods is None or method.upper() in self.methods


class RouteTable:
    """Routes in function order (``OrdinalIgnoreCase``); the first one that matches wins."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = tuple(sorted(routes, key=lambda route: route.function.upper()))

    def match(self, method: str, path: Sequence[str]) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.allows(method):
                values = route.template.match(path)
                if values is not None:
                    return route, values
        return None


def join_route(prefix: str, route: str) -> str:
    """``routePrefix`` + route, as ``WebJobsRouteBuilder.BuildRouteTemplate`` joins them."""
    route = route.strip("/")
    return f"{prefix}/{route}".strip("/") if prefix else route


def compile_route(function: str, prefix: str, route: str, methods: frozenset[str] | None) -> Route:
    try:
        return Route(function, RouteTemplate(join_route(prefix, route)), methods)
    except ValueError as exc:
        raise StartupError(f"The route '{route}' of function '{function}' is invalid: {exc}") from None


def split_path(raw_path: bytes) -> list[str]:
    """Decoded path segments. Like Kestrel, an encoded slash (``%2F``) stays ``%2F`` and does not split."""
    text = raw_path.decode("latin-1")
    if text.startswith("/"):
        text = text[1:]
    if text.endswith("/"):
        text = text[:-1]
    if not text:
        return []
    return [unquote(re.sub("%2([fF])", r"%252\1", segment), errors="replace")
            for segment in text.split("/")]
