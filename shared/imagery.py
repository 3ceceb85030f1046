"""Request bodies → an (H, W, B) array of band values plus the georeferencing to carry over.

Three encodings are read (see ``docs/classify.md``):

* **GeoTIFF** (``image/tiff``) through tifffile/imagecodecs: one image of B samples (chunky or
  planar), or B single-sample pages of one size; integer or float samples; strips or tiles;
  uncompressed, LZW, Deflate, PackBits, LZMA or Zstandard, with or without a predictor. The band
  axis is read from the header (planar configuration), so ``layout`` does not apply.
* **NumPy .npy** (``application/x-npy``): a 3-D numeric array, C or Fortran order, read without
  pickles. The band axis is the first or the last one: detected from the expected band count, or
  named by ``layout`` when both (or neither) match.
* **JSON pixels** (``application/json``): ``{"pixels": [[b1, ..., bB], ...], "sensor": ...}``;
  a ``null`` value is a missing value (masked like NaN). The scene is N x 1 pixels.

Order of checks, so a hostile body costs little: the header is parsed first, the image size is
checked against ``max_pixels`` (413) and the band count against the sensor's (422) before any
pixel data is decoded; every strip/tile must lie inside the body (truncated → 400); only lossless
codecs whose output tifffile bounds to the declared segment size are decoded (a decompression bomb
fails on its first oversized segment), anything else is refused (415).

Uncompressed, contiguous data (the common GDAL output) is not copied: the pixel array is a
read-only :func:`numpy.frombuffer` view of the request body.
"""
from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Literal

import numpy as np
import orjson
import tifffile

from shared.problems import Problem

TIFF_MEDIA_TYPES = frozenset({"image/tiff", "image/geotiff", "image/geo+tiff", "application/geotiff"})
NPY_MEDIA_TYPES = frozenset({"application/x-npy", "application/npy"})
JSON_MEDIA_TYPES = frozenset({"application/json"})
# No Content-Type, or a generic one: the body's magic bytes decide between TIFF and .npy.
SNIFFED_MEDIA_TYPES = frozenset({"", "application/octet-stream"})
ACCEPTED_MEDIA_TYPES = ("image/tiff", "application/x-npy", "application/json")

LAYOUTS = ("band-last", "band-first")

# JSON pixel lists are for small requests: parsed into Python objects they take ~10x their size.
MAX_JSON_BYTES = 16 * 1024 * 1024

# TIFF tags copied verbatim from an input GeoTIFF to every raster output (its georeferencing).
GEOREFERENCING_TAGS = {
    33550: "ModelPixelScale",
    33922: "ModelTiepoint",
    34264: "ModelTransformation",
    34735: "GeoKeyDirectory",
    34736: "GeoDoubleParams",
    34737: "GeoAsciiParams",
}
GDAL_NODATA_TAG = 42113

# Lossless TIFF codecs tifffile decodes into a buffer of the declared segment size (bomb-safe).
_TIFF_COMPRESSIONS = {1: "none", 5: "LZW", 8: "Deflate", 32946: "Deflate", 32773: "PackBits",
                      34925: "LZMA", 50000: "Zstandard"}
_TIFF_SAMPLE_FORMATS = {1: "u", 2: "i", 3: "f"}  # unsigned, signed, IEEE float
_TIFF_MAGICS = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
_NPY_MAGIC = b"\x93NUMPY"
_NUMERIC_KINDS = "uif"


@dataclass(frozen=True)
class GeoTag:
    """One TIFF tag as tifffile writes it back (``extratags`` entry)."""

    code: int
    dtype: int
    count: int
    value: Any

    def as_extratag(self) -> tuple[int, int, int, Any, bool]:
        count = 0 if isinstance(self.value, str) else self.count  # ASCII: tifffile counts itself
        return (self.code, self.dtype, count, self.value, True)


@dataclass(frozen=True)
class Scene:
    """A decoded request body.

    ``pixels`` is (H, W, B) in the body's own dtype and byte order; it may be a read-only,
    non-contiguous view of the body. JSON pixel lists are (N, 1, B).
    """

    pixels: np.ndarray
    encoding: Literal["tiff", "npy", "json"]
    georeferencing: tuple[GeoTag, ...] = ()
    nodata: float | None = None          # the file's own nodata value (GDAL_NODATA)
    declared_sensor: str | None = None   # the "sensor" member of a JSON body

    @property
    def is_pixel_list(self) -> bool:
        return self.encoding == "json"


BandCount = Callable[[str | None], int]
"""Expected band count given the sensor the body declares (None if it declares none)."""


def decode_scene(body: bytes, media_type: str, *, band_count: BandCount, max_pixels: int,
                 layout: str | None = None) -> Scene:
    """Decode a request body (see the module doc for formats, checks and their order)."""
    if layout is not None and layout not in LAYOUTS:
        raise Problem(400, f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}.",
                      slug="invalid-parameter", extra={"parameter": "layout"})
    if not body:
        raise Problem(400, "The request body is empty; send a GeoTIFF, a .npy array or JSON pixels.",
                      slug="unreadable-image")
    encoding = _encoding_of(body, media_type)
    if encoding == "json":
        return _decode_json(body, band_count, max_pixels)
    expected = band_count(None)
    if encoding == "npy":
        return _decode_npy(body, expected, max_pixels, layout)
    return _decode_tiff(body, expected, max_pixels)


def _encoding_of(body: bytes, media_type: str) -> str:
    if media_type in TIFF_MEDIA_TYPES:
        return "tiff"
    if media_type in NPY_MEDIA_TYPES:
        return "npy"
    if media_type in JSON_MEDIA_TYPES:
        return "json"
    if media_type in SNIFFED_MEDIA_TYPES:
        if body.startswith(_TIFF_MAGICS):
            return "tiff"
        if body.startswith(_NPY_MAGIC):
            return "npy"
    shown = media_type or "no Content-Type"
    raise Problem(415, f"Cannot classify a body of {shown}; send one of "
                       f"{', '.join(ACCEPTED_MEDIA_TYPES)}.",
                  slug="unsupported-media-type", extra={"accepted": list(ACCEPTED_MEDIA_TYPES)})


def unreadable(detail: str) -> Problem:
    return Problem(400, detail, slug="unreadable-image", title="Unreadable image")


def _check_pixel_count(height: int, width: int, max_pixels: int) -> None:
    if height <= 0 or width <= 0:
        raise unreadable(f"The image has an empty dimension ({height} x {width} pixels).")
    if height * width > max_pixels:
        raise Problem(413, f"The image has {height} x {width} = {height * width} pixels; at most "
                           f"{max_pixels} are classified in one request. Split the scene into tiles.",
                      slug="too-many-pixels", title="Image too large",
                      extra={"pixels": height * width, "max_pixels": max_pixels})


def wrong_band_count(expected: int, actual: int, shape: tuple[int, ...]) -> Problem:
    return Problem(422, f"The sensor has {expected} bands but the image has {actual} "
                        f"(shape {tuple(shape)}).",
                   slug="wrong-band-count", title="Wrong band count",
                   extra={"expected_bands": expected, "actual_bands": actual,
                          "shape": list(shape)})


# --- NumPy .npy ---------------------------------------------------------------------------------

def _decode_npy(body: bytes, expected: int, max_pixels: int, layout: str | None) -> Scene:
    stream = io.BytesIO(body)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(stream)
    except (ValueError, SyntaxError, TypeError, EOFError) as exc:
        raise unreadable(f"Not a readable .npy file: {exc}") from None
    if dtype.hasobject or dtype.kind not in _NUMERIC_KINDS or dtype.fields is not None:
        raise Problem(415, f"The .npy array has dtype {dtype}; only integer and float arrays are "
                           f"accepted (object arrays, i.e. pickles, never are).",
                      slug="unsupported-array-type", title="Unsupported array type")
    if len(shape) == 2:
        raise wrong_band_count(expected, 1, shape)
    if len(shape) != 3:
        raise unreadable(f"The .npy array has {len(shape)} dimensions; expected 3 (rows, columns "
                         f"and bands, in either band-last or band-first order).")
    band_axis = _band_axis(shape, expected, layout)
    height, width = (shape[1], shape[2]) if band_axis == 0 else (shape[0], shape[1])
    _check_pixel_count(height, width, max_pixels)
    if shape[band_axis] != expected:
        raise wrong_band_count(expected, shape[band_axis], shape)
    offset = stream.tell()
    count = math.prod(shape)
    if len(body) != offset + count * dtype.itemsize:
        raise unreadable(f"The .npy header declares {count * dtype.itemsize} data bytes for shape "
                         f"{tuple(shape)} ({dtype}), but the body holds {len(body) - offset}.")
    flat = np.frombuffer(body, dtype=dtype, count=count, offset=offset)
    array = flat.reshape(shape, order="F" if fortran_order else "C")
    return Scene(np.moveaxis(array, 0, -1) if band_axis == 0 else array, "npy")


def _band_axis(shape: tuple[int, ...], expected: int, layout: str | None) -> int:
    """0 (band-first) or 2 (band-last): named by ``layout`` or detected from the band count."""
    if layout is not None:
        return 0 if layout == "band-first" else 2
    first, last = shape[0] == expected, shape[2] == expected
    if first and last:
        raise Problem(400, f"Cannot tell the band axis of an array of shape {tuple(shape)}: both "
                           f"the first and the last axis have {expected} entries. Add "
                           f"?layout=band-last or ?layout=band-first.",
                      slug="ambiguous-layout", title="Ambiguous layout")
    if first:
        return 0
    if last:
        return 2
    # Neither axis matches: report the likelier band axis (the shorter one) in the 422.
    return 0 if shape[0] < shape[2] else 2


# --- JSON pixels --------------------------------------------------------------------------------

def _decode_json(body: bytes, band_count: BandCount, max_pixels: int) -> Scene:
    if len(body) > MAX_JSON_BYTES:
        raise Problem(413, f"JSON pixel bodies are limited to {MAX_JSON_BYTES} bytes; send larger "
                           f"scenes as .npy or GeoTIFF.", slug="body-too-large",
                      title="Body too large", extra={"max_bytes": MAX_JSON_BYTES})
    # Every pixel opens a bracket: an upper bound of the pixel count before parsing anything.
    if body.count(b"[") - 1 > max_pixels:
        _check_pixel_count(body.count(b"[") - 1, 1, max_pixels)
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        # orjson is strict RFC 8259; the standard parser also takes NaN/Infinity literals.
        try:
            document = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # Recursion: too deep
            raise unreadable(f"The body is not valid JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("pixels"), list):
        raise unreadable('The JSON body must be an object with "pixels": [[b1, ..., bN], ...].')
    sensor = document.get("sensor")
    if sensor is not None and not isinstance(sensor, str):
        raise unreadable('"sensor" must be a string.')
    expected = band_count(sensor)
    rows = document["pixels"]
    _check_pixel_count(len(rows), 1, max_pixels)
    # numpy reads true/false among numbers as 1/0: refuse them (only scanned when present).
    if (b"true" in body or b"false" in body) and any(
            type(value) is bool for row in rows if isinstance(row, list) for value in row):
        raise unreadable('"pixels" values must be numbers or null, not true or false.')
    pixels = _pixel_table(rows)
    if pixels.shape[1] != expected:
        raise wrong_band_count(expected, pixels.shape[1], pixels.shape)
    return Scene(pixels[:, np.newaxis, :], "json", declared_sensor=sensor)


def _pixel_table(rows: list) -> np.ndarray:
    """(N, B) float64 from a list of equal-length lists of numbers (null = missing = NaN)."""
    shape_error = unreadable('"pixels" must be a list of equally long lists of numbers, one list '
                             'of band values per pixel.')
    try:
        table = np.asarray(rows)
    except ValueError:
        raise shape_error from None
    if table.dtype.kind == "O":
        # Only nulls (missing values) may make the table an object array; anything else is refused.
        flat = table.ravel() if table.ndim == 2 else ()
        if table.ndim != 2 or not all(v is None or (type(v) in (int, float)) for v in flat):
            raise shape_error
        try:
            table = np.asarray(rows, dtype=np.float64)
        except OverflowError:  # an integer beyond the float64 range
            raise unreadable("A pixel value is too large for a 64-bit float.") from None
    if table.ndim != 2 or table.dtype.kind not in _NUMERIC_KINDS:
        raise shape_error
    return table


# --- GeoTIFF ------------------------------------------------------------------------------------

def _decode_tiff(body: bytes, expected: int, max_pixels: int) -> Scene:
    try:
        tiff = tifffile.TiffFile(io.BytesIO(body))
    except Exception as exc:  # noqa: BLE001 - tifffile raises many types for corrupt headers
        raise unreadable(f"Not a readable TIFF file: {exc}") from None
    with tiff:
        try:
            series = tiff.series[0]
            page = series.keyframe
            shape, axes = tuple(series.shape), series.axes
        except Exception as exc:  # noqa: BLE001
            raise unreadable(f"The TIFF file has no readable image: {exc}") from None
        _check_pixel_count(int(page.imagelength), int(page.imagewidth), max_pixels)
        band_axis = _tiff_band_axis(shape, axes)
        bands = 1 if band_axis is None else shape[band_axis]
        if bands != expected:
            raise wrong_band_count(expected, bands, shape)
        _check_tiff_encoding(page)
        _check_segments_inside(series.pages, len(body))
        array = _tiff_pixels(body, series, page, shape)
        pixels = np.moveaxis(array, band_axis, -1) if band_axis == 0 else array
        return Scene(pixels, "tiff", georeferencing=_georeferencing(page),
                     nodata=_gdal_nodata(page))


def _tiff_band_axis(shape: tuple[int, ...], axes: str) -> int | None:
    """Index of the band axis in the series shape (0 or 2), None for a single band."""
    if len(shape) == 2 and axes.endswith("YX"):
        return None
    if len(shape) == 3 and axes[1:] == "YX":
        return 0            # planar samples, or one band per page
    if len(shape) == 3 and axes == "YXS":
        return 2            # chunky samples
    raise Problem(422, f"The TIFF image has dimensions {axes} {tuple(shape)}; expected rows, "
                       f"columns and bands only.", slug="unsupported-image-shape",
                  title="Unsupported image shape", extra={"shape": list(shape), "axes": axes})


def _check_tiff_encoding(page: Any) -> None:
    compression = int(page.compression)
    if compression not in _TIFF_COMPRESSIONS:
        raise Problem(415, f"TIFF compression {page.compression!s} is not supported; use none, "
                           f"{', '.join(sorted(set(_TIFF_COMPRESSIONS.values()) - {'none'}))}.",
                      slug="unsupported-tiff-encoding", title="Unsupported TIFF encoding")
    formats = page.sampleformat if isinstance(page.sampleformat, tuple) else (page.sampleformat,)
    bits = page.bitspersample if isinstance(page.bitspersample, tuple) else (page.bitspersample,)
    if (len(set(map(int, formats))) != 1 or int(formats[0]) not in _TIFF_SAMPLE_FORMATS
            or len(set(bits)) != 1 or bits[0] not in (8, 16, 32, 64) or page.dtype is None
            or page.is_subsampled):
        raise Problem(415, f"TIFF samples of format {formats} with {bits} bits are not supported; "
                           f"use 8/16/32-bit integers or 16/32/64-bit floats, the same for every band.",
                      slug="unsupported-tiff-encoding", title="Unsupported TIFF encoding")


def _check_segments_inside(pages: Any, body_size: int) -> None:
    for page in pages:
        if page is None:
            raise unreadable("The TIFF file lists an image page it does not contain.")
        for offset, count in zip(page.dataoffsets, page.databytecounts):
            if count <= 0 or offset <= 0 or offset + count > body_size:
                raise unreadable(f"The TIFF file is truncated or corrupt: a strip/tile of {count} "
                                 f"bytes at offset {offset} is not inside the {body_size}-byte body.")
        if not page.dataoffsets:
            raise unreadable("The TIFF image has no pixel data.")


def _tiff_pixels(body: bytes, series: Any, page: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The series as an array: a view of ``body`` when stored raw and contiguous, else decoded."""
    offset = series.dataoffset
    if (offset is not None and page.compression == 1 and page.predictor == 1
            and page.fillorder == 1):
        count = math.prod(shape)
        dtype = np.dtype(page.parent.byteorder + page.dtype.char)
        if offset + count * dtype.itemsize <= len(body):
            return np.frombuffer(body, dtype=dtype, count=count, offset=offset).reshape(shape)
    try:
        return series.asarray(maxworkers=1)
    except Exception as exc:  # noqa: BLE001 - any codec error means the data is corrupt
        raise unreadable(f"The TIFF pixel data cannot be decoded: {exc}") from None


def _georeferencing(page: Any) -> tuple[GeoTag, ...]:
    tags = []
    for code in GEOREFERENCING_TAGS:
        tag = page.tags.get(code)
        if tag is not None:
            tags.append(GeoTag(code, int(tag.dtype), int(tag.count), tag.value))
    return tuple(tags)


def _gdal_nodata(page: Any) -> float | None:
    tag = page.tags.get(GDAL_NODATA_TAG)
    if tag is None:
        return None
    text = str(tag.value).strip().strip("\x00")
    try:
        return float(text)
    except ValueError:
        raise unreadable(f"The GDAL_NODATA tag {text!r} is not a number.") from None
