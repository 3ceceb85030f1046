"""Test scenes: GeoTIFF/.npy/JSON bodies built in memory, and readers for the API's raster answers."""
from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np
import tifffile

# A UTM 23N GeoTIFF georeferencing (5 cm pixels near the paper's UAV site), as GDAL writes it.
GEO_EXTRATAGS = [
    (33550, "d", 3, (0.05, 0.05, 0.0), True),
    (33922, "d", 6, (0.0, 0.0, 0.0, 499000.0, 7450000.0, 0.0), True),
    (34735, "H", 16, (1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, 32623), True),
    (34736, "d", 1, (6378137.0,), True),
    (34737, "s", 0, "WGS 84 / UTM zone 23N|", True),
]
GEO_CODES = (33550, 33922, 34735, 34736, 34737)


def tiff_bytes(array: np.ndarray, *, planar: bool = False, geo: bool = False,
               nodata: str | None = None, **options: Any) -> bytes:
    """``array`` (H, W, B) as a GeoTIFF; ``planar`` stores band-separate planes."""
    extratags = list(GEO_EXTRATAGS) if geo else []
    if nodata is not None:
        extratags.append((42113, "s", 0, nodata, True))
    data = np.moveaxis(array, -1, 0) if planar else array
    out = io.BytesIO()
    tifffile.imwrite(out, data, photometric="minisblack",
                     planarconfig="separate" if planar else "contig", extratags=extratags,
                     metadata=None, **options)
    return out.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


def read_tiff(body: bytes) -> tuple[np.ndarray, dict[int, Any]]:
    """The first image of a TIFF and its tags by code."""
    with tifffile.TiffFile(io.BytesIO(body)) as tiff:
        page = tiff.pages[0]
        return page.asarray(), {tag.code: tag.value for tag in page.tags.values()}


def read_palette_png(body: bytes) -> tuple[np.ndarray, list[tuple[int, int, int]], bytes]:
    """Decode an 8-bit palette PNG by the book (checking every CRC): indices, palette, tRNS."""
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    idat = b""
    while pos < len(body):
        (length,) = struct.unpack(">I", body[pos:pos + 4])
        kind, data = body[pos + 4:pos + 8], body[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", body[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF, kind
        if kind == b"IDAT":
            idat += data
        chunks[kind] = data
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour, interlace) == (8, 3, 0)
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width + 1)
    assert not rows[:, 0].any()  # filter type None on every scanline
    plte = chunks[b"PLTE"]
    palette = [tuple(plte[i:i + 3]) for i in range(0, len(plte), 3)]
    assert b"IEND" in chunks
    return rows[:, 1:], palette, chunks.get(b"tRNS", b"")


def class_means(sensor: str) -> np.ndarray:
    """(6, bands) float32: the spectral library's mean reflectance of classes 1..6 at the sensor's
    band centres (the default models classify each of them as its own class)."""
    from shared.spectral_library import LIBRARY, band_statistics
    from shared.surfaces import CLASS_CODES

    return np.array([band_statistics(LIBRARY, code, sensor)[0] for code in CLASS_CODES],
                    dtype=np.float32)


def striped_scene(sensor: str, height: int = 24, width: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """A float32 (H, W, B) scene whose column c shows class ``c % 6 + 1``, and its class map."""
    codes = (np.arange(width) % 6 + 1)[np.newaxis, :].repeat(height, axis=0).astype(np.uint8)
    return class_means(sensor)[codes - 1], codes
