"""shared.raster_outputs: what GDAL-style readers and PNG decoders get back from our rasters."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import imagecodecs
import numpy as np
import pytest

from shared.imagery import decode_scene
from shared.raster_outputs import (CLASS_NODATA, albedo_geotiff, class_map_geotiff, class_map_png,
                                   npy_bytes)
from tests.classify.scenes import GEO_CODES, read_palette_png, read_tiff, tiff_bytes

RNG = np.random.default_rng(3)
CLASS_MAP = RNG.integers(0, 7, (31, 17)).astype(np.uint8)
PALETTE = [(0, 0, 0), (255, 255, 255), (65, 105, 225), (0, 0, 0), (135, 206, 250),
           (60, 179, 113), (0, 100, 0)]


@pytest.fixture(scope="module")
def georeferencing():
    body = tiff_bytes(RNG.random((31, 17, 5)).astype("f4"), geo=True, nodata="-1")
    return decode_scene(body, "image/tiff", band_count=lambda _: 5, max_pixels=10**6).georeferencing


def test_class_map_geotiff_keeps_codes_georeferencing_and_says_what_0_is(georeferencing):
    body = class_map_geotiff(CLASS_MAP, georeferencing=georeferencing,
                             metadata={"CLASS_1": "snow", "MODEL": "a & b"})
    image, tags = read_tiff(body)
    assert image.dtype == np.uint8
    np.testing.assert_array_equal(image, CLASS_MAP)
    for tag in georeferencing:
        assert tags[tag.code] == tag.value
    assert set(GEO_CODES) <= set(tags)
    assert float(tags[42113]) == CLASS_NODATA == 0
    items = {item.get("name"): item.text for item in ET.fromstring(tags[42112])}
    assert items == {"CLASS_1": "snow", "MODEL": "a & b"}
    assert tags[259] == 8  # Deflate


def test_albedo_geotiff_is_float32_with_nan_nodata(georeferencing):
    albedo = RNG.random((31, 17)).astype(np.float32)
    albedo[CLASS_MAP == 0] = np.nan
    image, tags = read_tiff(albedo_geotiff(albedo, georeferencing=georeferencing))
    assert image.dtype == np.float32
    np.testing.assert_array_equal(image, albedo)  # NaN positions compare equal
    assert tags[42113].strip("\0") == "nan" and np.isnan(float(tags[42113]))
    assert tags[33922] == (0.0, 0.0, 0.0, 499000.0, 7450000.0, 0.0)


def test_without_georeferencing_no_geo_tags_are_invented():
    _, tags = read_tiff(class_map_geotiff(CLASS_MAP))
    assert not set(GEO_CODES) & set(tags)


def test_png_preview_uses_the_palette_and_makes_nodata_transparent():
    body = class_map_png(CLASS_MAP, PALETTE)
    indices, palette, transparency = read_palette_png(body)
    np.testing.assert_array_equal(indices, CLASS_MAP)
    assert palette == PALETTE and transparency == b"\x00"
    # An independent decoder (libpng via imagecodecs) sees the same colours.
    rgba = imagecodecs.png_decode(body)
    assert rgba.shape == (31, 17, 4)
    expected = np.array(PALETTE, np.uint8)[CLASS_MAP]
    np.testing.assert_array_equal(rgba[..., :3][CLASS_MAP > 0], expected[CLASS_MAP > 0])
    np.testing.assert_array_equal(rgba[..., 3], np.where(CLASS_MAP > 0, 255, 0))


def test_png_refuses_codes_without_colour_and_non_2d_maps():
    with pytest.raises(ValueError):
        class_map_png(CLASS_MAP, PALETTE[:3])
    with pytest.raises(ValueError):
        class_map_png(CLASS_MAP[None], PALETTE)


def test_npy_roundtrip_without_pickles():
    codes = np.asfortranarray(CLASS_MAP)
    loaded = np.load(io.BytesIO(npy_bytes(codes)), allow_pickle=False)
    assert loaded.dtype == np.uint8 and loaded.flags.c_contiguous
    np.testing.assert_array_equal(loaded, CLASS_MAP)
