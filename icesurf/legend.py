"""The surface classes as the client draws them: code → name and map colour.

The client is installable without the function app, so it carries its own copy of the legend
(the colours of the original study's maps, ../shared/docs/ice-science.md, with cryoconite dark
grey rather than black); tests/client checks it against the app's ``shared.surfaces``. Names from
an API answer take precedence where present.
"""
from __future__ import annotations

from typing import NamedTuple


class Surface(NamedTuple):
    code: int
    name: str
    colour: str
    """Hex RGB."""


SURFACES: tuple[Surface, ...] = (
    Surface(1, "snow", "#ffffff"),          # white
    Surface(2, "water", "#4169e1"),         # royal blue
    Surface(3, "cryoconite", "#404040"),    # dark grey (black in the study's maps)
    Surface(4, "clean ice", "#87cefa"),     # light sky blue
    Surface(5, "light algae", "#3cb371"),   # medium sea green
    Surface(6, "heavy algae", "#006400"),   # dark green
)
BY_CODE: dict[int, Surface] = {surface.code: surface for surface in SURFACES}
NODATA_CODE = 0
NODATA_COLOUR = "#b0b0b0"
"""Masked pixels (NaN, Inf, nodata): mid grey, distinct from every class including white snow."""


def colour_of(code: int) -> str:
    return BY_CODE[code].colour if code in BY_CODE else NODATA_COLOUR


def name_of(code: int) -> str:
    return BY_CODE[code].name if code in BY_CODE else f"class {code}"
