"""Raster answers of the classification API: class-map and albedo GeoTIFFs, a PNG preview, .npy.

* Class map GeoTIFF: uint8 class codes (1-6), ``CLASS_NODATA`` (0) where a pixel was masked
  (NaN, Inf, the nodata value, or outside the image); GDAL_NODATA says so.
* Albedo GeoTIFF: float32 broadband albedo, NaN where masked; GDAL_NODATA is ``nan``.
* Both keep the input's georeferencing tags (ModelPixelScale, ModelTiepoint, ModelTransformation,
  GeoKeyDirectory, GeoDoubleParams, GeoAsciiParams) and carry their own GDAL_METADATA
  (class names, model identity) so GDAL/QGIS show what the codes mean. Deflate-compressed.
* PNG preview: an 8-bit palette PNG in the classes' map colours, nodata transparent; written with
  zlib alone (no imaging library at runtime).
* ``.npy``: the class codes as a plain uint8 array.
"""
from __future__ import annotations

import io
import struct
import zlib
from typing import Iterable, Mapping, Sequence
from xml.sax.saxutils import escape, quoteattr

import numpy as np
import tifffile

from shared.imagery import GDAL_NODATA_TAG, GeoTag

CLASS_NODATA = 0
GDAL_METADATA_TAG = 42112
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def class_map_geotiff(class_map: np.ndarray, *, georeferencing: Iterable[GeoTag] = (),
                      metadata: Mapping[str, str] | None = None) -> bytes:
    """The (H, W) uint8 class map as a GeoTIFF (0 = nodata)."""
    return _geotiff(np.asarray(class_map, dtype=np.uint8), georeferencing, str(CLASS_NODATA),
                    metadata, predictor=False)


def albedo_geotiff(albedo: np.ndarray, *, georeferencing: Iterable[GeoTag] = (),
                   metadata: Mapping[str, str] | None = None) -> bytes:
    """The (H, W) float32 albedo map as a GeoTIFF (NaN = nodata)."""
    return _geotiff(np.asarray(albedo, dtype=np.float32), georeferencing, "nan", metadata,
                    predictor=True)


def _geotiff(image: np.ndarray, georeferencing: Iterable[GeoTag], nodata: str,
             metadata: Mapping[str, str] | None, *, predictor: bool) -> bytes:
    extratags = [tag.as_extratag() for tag in georeferencing]
    extratags.append((GDAL_NODATA_TAG, "s", 0, nodata, True))
    if metadata:
        extratags.append((GDAL_METADATA_TAG, "s", 0, gdal_metadata_xml(metadata), True))
    out = io.BytesIO()
    # metadata=None: no tifffile JSON description, so GDAL sees a plain single-band GeoTIFF.
    tifffile.imwrite(out, image, photometric="minisblack", compression="zlib",
                     predictor=predictor, extratags=extratags, metadata=None)
    return out.getvalue()


def gdal_metadata_xml(items: Mapping[str, str]) -> str:
    """GDAL's dataset-level metadata document (TIFF tag 42112)."""
    body = "".join(f"<Item name={quoteattr(name)}>{escape(str(value))}</Item>"
                   for name, value in items.items())
    return f"<GDALMetadata>{body}</GDALMetadata>"


def class_map_png(class_map: np.ndarray, palette: Sequence[tuple[int, int, int]]) -> bytes:
    """A palette PNG of the class map: code c is drawn in ``palette[c]``; code 0 is transparent.

    ``palette`` needs one RGB entry per code from 0 up to the largest code in the map.
    """
    codes = np.asarray(class_map, dtype=np.uint8)
    if codes.ndim != 2:
        raise ValueError(f"a class map is 2-D, got shape {codes.shape}")
    height, width = codes.shape
    if codes.size and int(codes.max()) >= len(palette):
        raise ValueError(f"class code {int(codes.max())} has no palette entry")
    # Each scanline starts with filter type 0 (None).
    scanlines = np.zeros((height, width + 1), dtype=np.uint8)
    scanlines[:, 1:] = codes
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)  # 8-bit indexed colour
    plte = bytes(channel for colour in palette for channel in colour)
    transparency = bytes([0])  # entry 0 (nodata) transparent; the rest opaque
    return b"".join((_PNG_SIGNATURE, _png_chunk(b"IHDR", header), _png_chunk(b"PLTE", plte),
                     _png_chunk(b"tRNS", transparency),
                     _png_chunk(b"IDAT", zlib.compress(scanlines.tobytes(), 6)),
                     _png_chunk(b"IEND", b"")))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def npy_bytes(array: np.ndarray) -> bytes:
    """``array`` as a .npy file (never pickled)."""
    out = io.BytesIO()
    np.save(out, np.ascontiguousarray(array), allow_pickle=False)
    return out.getvalue()
