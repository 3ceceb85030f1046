"""The client's pictures and tables: colours, legend entries, bars, and agreement with the app."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from icesurf.client import Classification
from icesurf.legend import NODATA_COLOUR, SURFACES
from icesurf.pictures import class_map_png, coverage_chart_png


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def _colours(path: Path, min_pixels: int = 60) -> set[tuple[int, int, int]]:
    """Colours covering at least ``min_pixels`` pixels: areas and swatches, not the grey levels
    of anti-aliased text."""
    with Image.open(path) as image:
        assert image.format == "PNG"
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    return {tuple(int(v) for v in colour) for colour, count in zip(colours, counts)
            if count >= min_pixels}


def test_the_legend_carries_the_colours_and_names_of_the_app() -> None:
    from shared.surfaces import CLASSES

    assert [(s.code, s.name, _rgb(s.colour)) for s in SURFACES] == [
        (c.code, c.name, c.colour) for c in CLASSES]
    assert _rgb(NODATA_COLOUR) not in {c.colour for c in CLASSES}


def test_class_map_shows_the_classes_present_and_masked_pixels(tmp_path: Path) -> None:
    codes = np.zeros((40, 60), np.uint8)
    codes[:20] = 2  # water
    codes[20:, :30] = 5  # light algae; the rest stays 0 (masked)
    path = tmp_path / "map.png"
    class_map_png(codes, path, title="test scene")
    colours = _colours(path)
    for present in (SURFACES[1], SURFACES[4]):
        assert _rgb(present.colour) in colours
    assert _rgb(NODATA_COLOUR) in colours
    for absent in (SURFACES[2], SURFACES[5]):  # cryoconite, heavy algae: not in the map or legend
        assert _rgb(absent.colour) not in colours
    with Image.open(path) as image:
        width, height = image.size
    assert width > height  # the legend sits beside the map


def test_class_map_without_masked_pixels_has_no_no_data_entry(tmp_path: Path) -> None:
    path = tmp_path / "map.png"
    class_map_png(np.full((10, 10), 4, np.uint8), path)
    assert _rgb(NODATA_COLOUR) not in _colours(path)


def test_class_map_refuses_a_non_map() -> None:
    with pytest.raises(ValueError, match="two-dimensional"):
        class_map_png(np.zeros((2, 2, 5)), "unused.png")


SUMMARY = Classification.from_json({
    "sensor": "micasense", "shape": [10, 10], "valid_pixels": 100, "mean_albedo": 0.41,
    "model": {"name": "icesurf-micasense", "version": "1", "sha256": "ab" * 32},
    "classes": [{"code": 1, "name": "snow", "pixels": 70, "coverage": 0.7, "mean_albedo": 0.8},
                {"code": 6, "name": "heavy algae", "pixels": 30, "coverage": 0.3,
                 "mean_albedo": 0.2}]})


def test_coverage_chart_draws_one_bar_per_class_in_its_colour(tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    coverage_chart_png(SUMMARY, path)
    colours = _colours(path)
    assert _rgb(SURFACES[5].colour) in colours  # heavy algae bar
    assert _rgb(SURFACES[1].colour) not in colours  # no water bar


def test_coverage_table_reads_well() -> None:
    table = SUMMARY.coverage_table()
    header, _, columns, rule, snow, algae = table.splitlines()
    assert header == ("model icesurf-micasense 1 · sensor micasense · 10 x 10 px · "
                      "100 valid pixels · mean albedo 0.410")
    assert columns.split() == ["code", "class", "pixels", "coverage", "mean", "albedo"]
    assert snow.split()[:5] == ["1", "snow", "70", "70.0", "%"] and snow.endswith("0.800")
    assert algae.split()[:6] == ["6", "heavy", "algae", "30", "30.0", "%"]
    assert snow.count("█") == 14 and algae.count("█") == 6  # bars of 20 cells
