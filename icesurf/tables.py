"""Plain-text tables for a terminal: a classification's coverage, and resource listings."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:
    from icesurf.client import Classification, Resource

BAR_WIDTH = 20


def _grid(header: Sequence[str], rows: Iterable[Sequence[str]], right: set[int]) -> str:
    """Columns padded to their widest cell; columns in ``right`` are right-aligned."""
    rows = [list(header)] + [list(row) for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
                       for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def _bar(fraction: float) -> str:
    """A bar of ``fraction`` of BAR_WIDTH cells, in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * BAR_WIDTH * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + ("" if rest == 0 else " ▏▎▍▌▋▊▉"[rest])


def _albedo(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def coverage_table(result: "Classification") -> str:
    """Header line (model, sensor, size, albedo) and one row per class: pixels, coverage, albedo."""
    document = result.document
    shape = " x ".join(str(n) for n in document.get("shape", []))
    facts = [f"model {result.model_name} {result.model_version}".strip(),
             f"sensor {document.get('sensor', '?')}",
             f"{shape} px" if shape else "",
             f"{result.valid_pixels:,} valid pixels",
             f"mean albedo {_albedo(result.mean_albedo)}"]
    rows = [(str(row.code), row.name, f"{row.pixels:,}", f"{100 * row.coverage:5.1f} %",
             _bar(row.coverage), _albedo(row.mean_albedo)) for row in result.classes]
    table = _grid(("code", "class", "pixels", "coverage", "", "mean albedo"), rows,
                  right={0, 2, 3, 5})
    return " · ".join(fact for fact in facts if fact) + "\n\n" + table


def resource_table(resources: Sequence["Resource"]) -> str:
    """id, kind, size, updated time and name of each resource."""
    rows = [(r.id, r.kind, f"{r.size:,}", r.updated, r.name) for r in resources]
    return _grid(("id", "kind", "bytes", "updated", "name"), rows, right={2})
