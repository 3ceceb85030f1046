"""Pictures people would rather look at than read: the class map with a legend, and a coverage
bar chart. Drawn with matplotlib's object API on the Agg canvas (no pyplot state, no display).
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Mapping

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from icesurf.legend import NODATA_CODE, NODATA_COLOUR, SURFACES, colour_of, name_of

if TYPE_CHECKING:
    from icesurf.client import Classification

EDGE = "#1a1a1a"
"""Outline of legend swatches and bars, so white snow shows on a white page."""


def _save(figure: Figure, path: str | os.PathLike) -> None:
    FigureCanvasAgg(figure)
    figure.savefig(path, format="png", dpi=figure.dpi, bbox_inches="tight",
                   metadata={"Software": "icesurf client"})


def class_map_png(codes: np.ndarray, path: str | os.PathLike, *, title: str | None = None,
                  names: Mapping[int, str] | None = None, max_inches: float = 8.0) -> None:
    """Write the class map ``codes`` (H x W, 0 = masked, 1..6 classes) as a PNG with a legend of
    the classes present (and of masked pixels, when there are any)."""
    codes = np.asarray(codes)
    if codes.ndim != 2:
        raise ValueError(f"a class map is two-dimensional; got shape {codes.shape}")
    names = dict(names or {})
    present = np.unique(codes)
    colours = [NODATA_COLOUR] + [surface.colour for surface in SURFACES]
    cmap = ListedColormap(colours)
    norm = BoundaryNorm(np.arange(-0.5, len(colours)), cmap.N)
    height, width = codes.shape
    scale = max_inches / max(height, width)
    figure = Figure(figsize=(max(3.0, width * scale) + 2.6, max(2.5, height * scale)), dpi=100)
    axes = figure.add_subplot()
    axes.imshow(codes, cmap=cmap, norm=norm, interpolation="nearest")
    axes.set_xticks([])
    axes.set_yticks([])
    if title:
        axes.set_title(title, fontsize=10)
    handles = [Patch(facecolor=colour_of(code), edgecolor=EDGE,
                     label=names.get(int(code), name_of(int(code))))
               for code in present if code != NODATA_CODE]
    if NODATA_CODE in present:
        handles.append(Patch(facecolor=NODATA_COLOUR, edgecolor=EDGE, label="no data (masked)"))
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
                title="surface", fontsize=9, title_fontsize=9)
    _save(figure, path)


def coverage_chart_png(result: "Classification", path: str | os.PathLike, *,
                       title: str | None = None) -> None:
    """Write a horizontal bar chart of each class's coverage (in %, of valid pixels), labelled
    with the percentage and the class's mean albedo."""
    rows = list(result.classes)
    figure = Figure(figsize=(7.0, 0.45 * len(rows) + 1.4), dpi=100)
    axes = figure.add_subplot()
    positions = np.arange(len(rows))
    percents = [100 * row.coverage for row in rows]
    axes.barh(positions, percents, color=[colour_of(row.code) for row in rows], edgecolor=EDGE)
    axes.set_yticks(positions, [row.name for row in rows])
    axes.invert_yaxis()
    axes.set_xlim(0, max([100.0 / 1.25] + percents) * 1.25)
    axes.set_xlabel("coverage of valid pixels (%)")
    for position, percent, row in zip(positions, percents, rows):
        note = f"{percent:.1f} %" + ("" if row.mean_albedo is None
                                     else f"  (albedo {row.mean_albedo:.2f})")
        axes.text(percent + 1, position, note, va="center", fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(title or f"Surface coverage · {result.model_name} {result.model_version}",
                   fontsize=10)
    _save(figure, path)
