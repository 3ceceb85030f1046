"""The hostile-input corpus: one table of (name, request, expected status).

Every row is a request an attacker, a broken client or a corrupt file could send. The expected
status is a 4xx problem, or, where the input is in fact valid, the documented success (``note``
says why). Bodies are built lazily (``body`` may be a callable) so collecting the table is cheap.

Paths are relative to ``/api``; ``{scene}`` is a stored valid scene of the test, ``{text}`` a
stored plain-text resource, ``{broken}`` a stored truncated TIFF (all created before the corpus
runs). No row writes anything when answered as expected: the test checks the storage unchanged.
"""
from __future__ import annotations

import base64
import io
import json
import os
import pickle
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping

import imagecodecs
import numpy as np

from tests.classify.scenes import npy_bytes, tiff_bytes
from tests.reliability.conftest import PIXEL_LIMIT, UPLOAD_LIMIT

Body = bytes | Callable[[], bytes | Iterator[bytes]] | None
JSON = {"Content-Type": "application/json"}
NPY = {"Content-Type": "application/x-npy"}
TIFF = {"Content-Type": "image/tiff"}
MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
PWNED_MARKER = "/tmp/icesurf-hostile-pickle-executed"


@dataclass(frozen=True)
class Hostile:
    """One row: a request and the status it must get."""

    name: str
    method: str
    path: str
    expected: int | tuple[int, ...]
    body: Body = None
    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, Any] | None = None
    raw_path: bool = False  # send the path exactly as written (percent-escapes kept)
    note: str = ""          # for successes: why the input is valid

    def content(self) -> bytes | Iterator[bytes] | None:
        return self.body() if callable(self.body) else self.body


# ---------------------------------------------------------------------------------------------
# Builders

def scene_array(shape: tuple[int, ...] = (6, 6, 5), dtype: str = "<f4", seed: int = 1) -> np.ndarray:
    values = np.random.default_rng(seed).uniform(0.05, 0.9, shape)
    return values.astype(np.dtype(dtype)) if np.dtype(dtype).kind == "f" else (
        values * 10000).astype(np.dtype(dtype))


def _pixels(rows: Any, **members: Any) -> Callable[[], bytes]:
    return lambda: json.dumps({"pixels": rows, **members}).encode()


def _raw(text: str) -> Callable[[], bytes]:
    return lambda: text.encode()


def _tiff(**options: Any) -> Callable[[], bytes]:
    return lambda: tiff_bytes(scene_array(), **options)


def _ifd_entries(body: bytes) -> Iterator[tuple[int, int, int, int]]:
    """(entry offset, tag, type, count) of the first IFD of a little-endian classic TIFF."""
    ifd = struct.unpack_from("<I", body, 4)[0]
    for index in range(struct.unpack_from("<H", body, ifd)[0]):
        entry = ifd + 2 + 12 * index
        tag, kind, count = struct.unpack_from("<HHI", body, entry)
        yield entry, tag, kind, count


def patched_tiff(tag: int, value: int, body: bytes | None = None) -> bytes:
    """A valid 6 x 6 x 5 float32 TIFF with every value of ``tag`` replaced by ``value``:
    a header that lies."""
    data = bytearray(body if body is not None else tiff_bytes(scene_array()))
    for entry, code, kind, count in _ifd_entries(bytes(data)):
        if code != tag:
            continue
        size, fmt = {3: (2, "<H"), 4: (4, "<I")}[kind]
        start = entry + 8 if count * size <= 4 else struct.unpack_from("<I", data, entry + 8)[0]
        for index in range(count):
            struct.pack_into(fmt, data, start + index * size, value)
        return bytes(data)
    raise KeyError(tag)


def _lying(tag: int, value: int) -> Callable[[], bytes]:
    return lambda: patched_tiff(tag, value)


def _bomb(codec: str) -> bytes:
    """A 6 x 6 x 5 float32 TIFF (720 bytes of pixels) whose one strip inflates to 64 MiB."""
    compression, encode = {"zlib": (8, lambda b: zlib.compress(b, 9)),
                           "lzw": (5, imagecodecs.lzw_encode)}[codec]
    bomb = encode(bytes(64 << 20))
    body = bytearray(tiff_bytes(scene_array(), compression=codec))
    for entry, code, _, _ in _ifd_entries(bytes(body)):
        if code == 273:
            struct.pack_into("<I", body, entry + 8, len(body))
        elif code == 279:
            struct.pack_into("<I", body, entry + 8, len(bomb))
        elif code == 259:
            struct.pack_into("<H", body, entry + 8, compression)
    return bytes(body) + bomb


def _npy_header(header: str, data: bytes = b"", version: bytes = b"\x01\x00") -> bytes:
    """A .npy file with a hand-written header dictionary."""
    text = header.encode("latin-1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    return b"\x93NUMPY" + version + struct.pack("<H", len(text)) + text + data


class _Exploit:
    """Unpickling this runs a shell command that leaves a marker file."""

    def __reduce__(self):
        return os.system, (f"touch {PWNED_MARKER}",)


def _pickled_npy() -> bytes:
    array = np.empty((6, 6, 5), dtype=object)
    array.fill(_Exploit())
    out = io.BytesIO()
    np.save(out, array, allow_pickle=True)
    return out.getvalue()


def _pickle_only() -> bytes:
    return pickle.dumps(_Exploit())


def _chunked(data: bytes) -> Callable[[], Iterator[bytes]]:
    return lambda: iter([data[:3], data[3:]])


def _cursor(document: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")


def _multipart_metadata(text: str) -> dict[str, Any]:
    return {"file": ("scene.npy", npy_bytes(scene_array()), "application/x-npy"),
            "metadata": (None, text)}


VALID_ROW = [0.8, 0.8, 0.75, 0.7, 0.6]
OVERSIZED = UPLOAD_LIMIT + 1


# ---------------------------------------------------------------------------------------------
# The table

def _json_rows() -> list[Hostile]:
    post = lambda name, expected, body, note="", **kw: Hostile(  # noqa: E731
        name, "POST", "/classify", expected, body, headers={**JSON, **kw.pop("headers", {})},
        note=note, **kw)
    return [
        post("json-malformed", 400, _raw('{"pixels": [[1, 2,')),
        post("json-truncated", 400, _raw('{"pixels": [[0.1, 0.2, 0.3, 0.4, 0.5]')),
        post("json-empty-body", 400, b""),
        post("json-not-utf8", 400, b'{"pixels": [[0.1, 0.2, 0.3, 0.4, \xff]]}'),
        post("json-array-nesting-100k", 400, _raw("[" * 100_000)),
        post("json-object-nesting-100k", 400, _raw('{"a":' * 100_000)),
        post("json-nesting-beyond-max-pixels", 413, _raw("[" * (PIXEL_LIMIT + 10))),
        post("json-over-upload-limit", 413, lambda: b" " * OVERSIZED),
        post("json-top-level-array", 400, _raw("[[0.1, 0.2, 0.3, 0.4, 0.5]]")),
        post("json-top-level-string", 400, _raw('"pixels"')),
        post("json-pixels-not-a-list", 400, _pixels(5)),
        post("json-pixels-object", 400, _pixels({"0": VALID_ROW})),
        post("json-no-pixels", 400, _raw('{"sensor": "micasense"}')),
        post("json-pixels-empty", 400, _pixels([])),
        post("json-ragged-rows", 400, _pixels([VALID_ROW, [0.1, 0.2]])),
        post("json-strings", 400, _pixels([["a", "b", "c", "d", "e"]])),
        post("json-all-booleans", 400, _pixels([[True] * 5])),
        post("json-mixed-booleans", 400, _pixels([[True, 0.8, 0.75, False, 0.6]])),
        post("json-nested-rows", 400, _pixels([[VALID_ROW]])),
        post("json-objects-in-rows", 400, _pixels([[{}, 1, 2, 3, 4]])),
        post("json-four-bands", 422, _pixels([VALID_ROW[:4]])),
        post("json-zero-bands", 422, _pixels([[]])),
        post("json-nine-bands-micasense", 422, _pixels([VALID_ROW + VALID_ROW[:4]])),
        post("json-five-bands-sentinel2", 422, _pixels([VALID_ROW], sensor="sentinel2")),
        post("json-unknown-sensor", 400, _pixels([VALID_ROW], sensor="landsat")),
        post("json-sensor-not-string", 400, _pixels([VALID_ROW], sensor=5)),
        post("json-sensor-conflict", 400, _pixels([VALID_ROW], sensor="micasense"),
             params={"sensor": "sentinel2"}),
        post("json-int-beyond-float64", 400, _raw('{"pixels": [[' + "9" * 400 + ", 1, 1, 1, 1]]}")),
        post("json-int-beyond-digit-limit", 400, _raw('{"pixels": [[' + "9" * 5000 + ", 1, 1, 1, 1]]}")),
        post("json-nan-literal", 200, _raw('{"pixels": [[NaN, 0.8, 0.7, 0.7, 0.6], [0.8, 0.8, 0.75, '
                                           '0.7, 0.6]]}'),
             note="NaN is masked, the other pixel classified (contract: NaN/Inf masked)"),
        post("json-infinity-literals", 200, _raw('{"pixels": [[Infinity, -Infinity, 1, 1, 1], '
                                                 '[0.8, 0.8, 0.75, 0.7, 0.6]]}'),
             note="Inf is masked"),
        post("json-overflowing-float", 200, _raw('{"pixels": [[1e999, 0.8, 0.7, 0.7, 0.6]]}'),
             note="1e999 reads as Inf: masked (all pixels masked is still an answer)"),
        post("json-all-nan", 200, _raw('{"pixels": [[NaN, NaN, NaN, NaN, NaN]]}'),
             note="every pixel masked: counts are zero, means null"),
        post("json-nulls", 200, _pixels([[None] * 5, VALID_ROW]), note="null is a missing value"),
        post("json-negative-reflectance", 200, _pixels([[-5, -1, -0.5, -0.1, -9e9]]),
             note="physically impossible but numeric: classified like any value"),
        post("json-duplicate-keys", 200, _raw('{"pixels": 1, "pixels": [[0.8, 0.8, 0.75, 0.7, 0.6]]}'),
             note="duplicate members: the last wins (RFC 8259 leaves it to the parser)"),
        post("json-utf16", 200, lambda: json.dumps({"pixels": [VALID_ROW]}).encode("utf-16"),
             note="RFC 8259 parsers may accept UTF-16; Python's does"),
    ]


def _query_rows() -> list[Hostile]:
    row = _pixels([VALID_ROW])
    query = lambda name, expected, params, headers=None: Hostile(  # noqa: E731
        name, "POST", "/classify", expected, row, headers={**JSON, **(headers or {})},
        params=params)
    return [
        query("scale-zero", 400, {"scale": "0"}),
        query("scale-negative", 400, {"scale": "-1"}),
        query("scale-nan", 400, {"scale": "nan"}),
        query("scale-inf", 400, {"scale": "inf"}),
        query("scale-text", 400, {"scale": "ten"}),
        query("scale-huge-exponent", 400, {"scale": "1e999"}),
        query("nodata-text", 400, {"nodata": "none"}),
        query("layout-unknown", 400, {"layout": "diagonal"}),
        query("product-unknown", 400, {"product": "rgb"}),
        query("sensor-unknown", 400, {"sensor": "landsat"}),
        query("sensor-injection", 400, {"sensor": "micasense'; DROP TABLE--"}),
        query("unknown-parameter", 400, {"debug": "1"}),
        query("png-albedo", 400, {"product": "albedo"}, {"Accept": "image/png"}),
        query("accept-html", 406, {}, {"Accept": "text/html"}),
        query("accept-all-refused", 406, {}, {"Accept": "*/*;q=0"}),
        query("accept-garbage", 406, {}, {"Accept": ";;;,,,;q=abc"}),
    ]


def _npy_rows() -> list[Hostile]:
    post = lambda name, expected, body, note="", headers=NPY, **kw: Hostile(  # noqa: E731
        name, "POST", "/classify", expected, body, headers=headers, note=note, **kw)
    scene = scene_array()
    return [
        post("npy-pickled-objects", 415, _pickled_npy),
        post("npy-plain-pickle", 400, _pickle_only),
        post("npy-structured-dtype", 415, lambda: npy_bytes(np.zeros((6, 6, 5), [("a", "<f4")]))),
        post("npy-complex", 415, lambda: npy_bytes(scene.astype(np.complex64))),
        post("npy-bool", 415, lambda: npy_bytes(scene > 0.5)),
        post("npy-unicode", 415, lambda: npy_bytes(np.full((6, 6, 5), "a"))),
        post("npy-datetime", 415, lambda: npy_bytes(np.zeros((6, 6, 5), "M8[s]"))),
        post("npy-zero-rows", 400, lambda: npy_bytes(np.zeros((0, 6, 5), np.float32))),
        post("npy-zero-columns", 400, lambda: npy_bytes(np.zeros((6, 0, 5), np.float32))),
        post("npy-two-dimensions", 422, lambda: npy_bytes(scene[:, :, 0])),
        post("npy-four-dimensions", 400, lambda: npy_bytes(scene[np.newaxis])),
        post("npy-one-dimension", 400, lambda: npy_bytes(scene.ravel())),
        post("npy-scalar", 400, lambda: npy_bytes(np.float32(1))),
        post("npy-wrong-band-count", 422, lambda: npy_bytes(scene_array((6, 6, 4)))),
        post("npy-ambiguous-layout", 400, lambda: npy_bytes(scene_array((5, 6, 5)))),
        post("npy-layout-override-wrong", 422, lambda: npy_bytes(scene),
             params={"layout": "band-first"}),
        post("npy-header-lies-small-body", 400,
             lambda: _npy_header("{'descr': '<f4', 'fortran_order': False, "
                                 "'shape': (1000, 1000, 5), }", b"\0" * 100)),
        post("npy-header-huge-shape", 413,
             lambda: _npy_header("{'descr': '<f4', 'fortran_order': False, "
                                 "'shape': (100000, 100000, 5), }")),
        post("npy-header-shape-beyond-int64", 413,
             lambda: _npy_header("{'descr': '<f4', 'fortran_order': False, "
                                 "'shape': (10000000000, 10000000000, 5), }")),
        post("npy-header-negative-dimension", 400,
             lambda: _npy_header("{'descr': '<f4', 'fortran_order': False, "
                                 "'shape': (-6, 6, 5), }")),
        post("npy-header-code", 400,
             lambda: _npy_header("{'descr': __import__('os').system('touch " + PWNED_MARKER
                                 + "'), 'fortran_order': False, 'shape': (6, 6, 5), }")),
        post("npy-header-not-a-dict", 400, lambda: _npy_header("[1, 2, 3]")),
        post("npy-header-length-beyond-body", 400,
             lambda: b"\x93NUMPY\x01\x00" + struct.pack("<H", 60000) + b"{'descr'"),
        post("npy-magic-only", 400, b"\x93NUMPY"),
        post("npy-bad-magic", 400, lambda: b"\x93NUMPX" + npy_bytes(scene)[6:]),
        post("npy-unknown-version", 400, lambda: b"\x93NUMPY\x09\x00" + npy_bytes(scene)[8:]),
        post("npy-truncated-data", 400, lambda: npy_bytes(scene)[:-7]),
        post("npy-trailing-bytes", 400, lambda: npy_bytes(scene) + b"extra"),
        post("npy-fortran-order", 200, lambda: npy_bytes(np.asfortranarray(scene)),
             note="Fortran order is a valid .npy layout"),
        post("npy-band-first", 200, lambda: npy_bytes(np.moveaxis(scene, -1, 0).copy()),
             note="band-first detected from the band count"),
        post("npy-big-endian-float64", 200, lambda: npy_bytes(scene.astype(">f8")),
             note="any byte order and float width"),
        post("npy-float16", 200, lambda: npy_bytes(scene.astype(np.float16)), note="float16 is numeric"),
        post("npy-nan-and-inf", 200,
             lambda: npy_bytes(np.where(np.eye(6, dtype=bool)[..., None], np.nan, scene)
                               .astype(np.float32)),
             note="NaN masked"),
        post("npy-sniffed-without-type", 200, lambda: npy_bytes(scene), headers={},
             note="no Content-Type: the .npy magic decides"),
    ]


def _tiff_rows() -> list[Hostile]:
    post = lambda name, expected, body, note="", headers=TIFF: Hostile(  # noqa: E731
        name, "POST", "/classify", expected, body, headers=headers, note=note)
    return [
        post("tiff-huge-dimensions", 413, lambda: patched_tiff(257, 60000, patched_tiff(256, 60000))),
        post("tiff-zero-width", 400, _lying(256, 0)),
        post("tiff-strip-beyond-body", 400, _lying(273, 10_000_000)),
        post("tiff-strip-zero-bytes", 400, _lying(279, 0)),
        post("tiff-strip-longer-than-body", 400, _lying(279, 10_000_000)),
        post("tiff-jpeg-compression", 415, _lying(259, 7)),
        post("tiff-jpeg2000-compression", 415, _lying(259, 34712)),
        post("tiff-unknown-compression", 415, _lying(259, 65000)),
        post("tiff-complex-samples", 415, _lying(339, 6)),
        post("tiff-12-bit-samples", 415, _lying(258, 12)),
        post("tiff-three-bands", 422, lambda: tiff_bytes(scene_array((6, 6, 3)))),
        post("tiff-single-band", 422, lambda: tiff_bytes(scene_array((6, 6, 1))[:, :, 0])),
        post("tiff-truncated-half", 400, lambda: tiff_bytes(scene_array())[:500]),
        post("tiff-header-only", 400, b"II*\x00\x08\x00\x00\x00"),
        post("tiff-ifd-beyond-body", 400, lambda: b"II*\x00" + struct.pack("<I", 10**6)),
        post("tiff-magic-garbage", 400, lambda: b"MM\x00*" + bytes(range(200))),
        post("tiff-gdal-nodata-text", 400, lambda: tiff_bytes(scene_array(), nodata="none")),
        post("tiff-deflate-bomb", 400, lambda: _bomb("zlib")),
        post("tiff-lzw-bomb", 200, lambda: _bomb("lzw"),
             note="the LZW decoder stops at the declared strip size (as libtiff reads it): the "
                  "first 720 bytes are the image, the rest is never inflated"),
        post("tiff-as-png", 415, _tiff(), headers={"Content-Type": "image/png"}),
        post("tiff-deflate", 200, _tiff(compression="zlib"), note="Deflate is supported"),
        post("tiff-planar", 200, _tiff(planar=True), note="band-separate planes"),
        post("tiff-bigtiff", 200, _tiff(bigtiff=True), note="BigTIFF"),
        post("tiff-sniffed-octet-stream", 200, _tiff(),
             headers={"Content-Type": "application/octet-stream"},
             note="generic type: the TIFF magic decides"),
    ]


def _content_type_rows() -> list[Hostile]:
    scene_npy = lambda: npy_bytes(scene_array())  # noqa: E731
    return [
        Hostile("classify-text-plain", "POST", "/classify", 415, scene_npy,
                headers={"Content-Type": "text/plain"}),
        Hostile("classify-no-type-garbage", "POST", "/classify", 415, b"garbage bytes"),
        Hostile("classify-octet-garbage", "POST", "/classify", 415, b"garbage bytes",
                headers={"Content-Type": "application/octet-stream"}),
        Hostile("classify-empty-tiff", "POST", "/classify", 400, b"", headers=TIFF),
        Hostile("classify-over-upload-limit", "POST", "/classify", 413,
                lambda: b"\0" * OVERSIZED, headers=TIFF),
        Hostile("upload-invalid-content-type", "POST", "/resources", 400, b"x",
                headers={"Content-Type": "not a media type"}),
        Hostile("upload-unterminated-parameter", "POST", "/resources", 400, b"x",
                headers={"Content-Type": 'image/tiff; name="unterminated'}),
        Hostile("upload-long-content-type", "POST", "/resources", 400, b"x",
                headers={"Content-Type": "image/" + "x" * 300}),
        Hostile("upload-empty-body", "POST", "/resources", 400, b"", headers=TIFF),
        Hostile("upload-chunked-without-length", "POST", "/resources", 400, _chunked(b"abcdef"),
                headers=TIFF),
        Hostile("upload-over-limit", "POST", "/resources", 413, lambda: b"\0" * OVERSIZED,
                headers=TIFF),
        Hostile("put-over-limit", "PUT", "/resources/{scene}", 413, lambda: b"\0" * OVERSIZED,
                headers=TIFF),
        Hostile("put-empty-body", "PUT", "/resources/{scene}", 400, b"", headers=TIFF),
        Hostile("multipart-without-file", "POST", "/resources", 400,
                files={"other": ("a.bin", b"x", "application/octet-stream")}),
        Hostile("multipart-broken-boundary", "POST", "/resources", 400,
                b"--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc",
                headers={"Content-Type": "multipart/form-data; boundary=abc"}),
        Hostile("multipart-no-boundary", "POST", "/resources", 400, b"abc",
                headers={"Content-Type": "multipart/form-data"}),
        Hostile("patch-json-type", "PATCH", "/resources/{scene}", 415, _raw('{"name": "x"}'),
                headers=JSON),
        Hostile("patch-no-type", "PATCH", "/resources/{scene}", 415, _raw('{"name": "x"}')),
        Hostile("patch-json-patch-type", "PATCH", "/resources/{scene}", 415,
                _raw('[{"op": "replace", "path": "/name", "value": "x"}]'),
                headers={"Content-Type": "application/json-patch+json"}),
    ]


def _metadata_rows() -> list[Hostile]:
    multipart = lambda name, expected, text: Hostile(  # noqa: E731
        name, "POST", "/resources", expected, files=_multipart_metadata(text))
    patch = lambda name, expected, document, note="": Hostile(  # noqa: E731
        name, "PATCH", "/resources/{scene}", expected,
        (lambda: document.encode()) if isinstance(document, str) else
        (lambda: json.dumps(document).encode()), headers=MERGE_PATCH, note=note)
    return [
        multipart("metadata-not-json", 400, "site=S6"),
        multipart("metadata-array", 422, '["S6"]'),
        multipart("metadata-nested", 422, '{"site": {"name": "S6"}}'),
        multipart("metadata-number-value", 422, '{"site": 6}'),
        multipart("metadata-null-value", 422, '{"site": null}'),
        multipart("metadata-empty-key", 422, '{"": "S6"}'),
        multipart("metadata-oversized", 422, json.dumps({"k": "v" * 5000})),
        multipart("metadata-lone-surrogate", 422, '{"site": "\\ud800"}'),
        multipart("metadata-deeply-nested", 400, "[" * 100_000),
        patch("patch-metadata-number", 422, {"metadata": {"a": 1}}),
        patch("patch-metadata-list", 422, {"metadata": ["a"]}),
        patch("patch-metadata-oversized", 422, {"metadata": {f"k{i}": "v" * 100 for i in range(60)}}),
        patch("patch-metadata-deeply-nested", 422,
              '{"metadata": ' + '{"a": ' * 900 + '"x"' + "}" * 900 + "}"),
        patch("patch-nesting-beyond-parser", 400, '{"metadata": ' + '{"a": ' * 5000),
        patch("patch-not-object", 422, ["name"]),
        patch("patch-string", 422, "\"name\""),
        patch("patch-read-only-id", 422, {"id": "00000000-0000-0000-0000-000000000000"}),
        patch("patch-read-only-etag", 422, {"etag": "\"x\""}),
        patch("patch-read-only-sha256", 422, {"sha256": "0" * 64}),
        patch("patch-name-null", 422, {"name": None}),
        patch("patch-name-empty", 422, {"name": ""}),
        patch("patch-name-blank", 422, {"name": "   "}),
        patch("patch-name-number", 422, {"name": 5}),
        patch("patch-name-too-long", 422, {"name": "n" * 256}),
        patch("patch-name-crlf-injection", 422, {"name": "a.tif\r\nSet-Cookie: x=1"}),
        patch("patch-name-nul", 422, {"name": "a\u0000b"}),
        patch("patch-name-line-separator", 422, {"name": "a\u2028b"}),
        patch("patch-name-bidi-override", 422, {"name": "gpj.\u202etif"}),
        patch("patch-invalid-json", 400, "{name: x}"),
        patch("patch-remove-absent-key", 200, {"metadata": {"absent": None}},
              note="removing an absent key changes nothing: same ETag, nothing written"),
    ]


def _name_and_header_rows() -> list[Hostile]:
    upload = lambda name, expected, params=None, headers=None: Hostile(  # noqa: E731
        name, "POST", "/resources", expected, b"scene", headers={**TIFF, **(headers or {})},
        params=params or {})
    return [
        upload("name-crlf-injection", 422, {"name": "a.tif\r\nContent-Type: text/html"}),
        upload("name-nul", 422, {"name": "a\u0000.tif"}),
        upload("name-too-long", 422, {"name": "n" * 256}),
        upload("name-blank", 422, {"name": "   "}),
        upload("name-tab", 422, {"name": "a\tb"}),
        upload("principal-too-long", 400, headers={"x-ms-client-principal-id": "p" * 300}),
        upload("principal-tab", 400, headers={"x-ms-client-principal-id": "a\tb"}),
        Hostile("if-match-malformed", "PUT", "/resources/{scene}", 400, b"x",
                headers={**TIFF, "If-Match": "not-quoted"}),
        Hostile("if-none-match-malformed", "GET", "/resources/{scene}", 400,
                headers={"If-None-Match": '"a" garbage'}),
        Hostile("if-match-stale-delete", "DELETE", "/resources/{scene}", 412,
                headers={"If-Match": '"0x0"'}),
        Hostile("if-none-match-star-put", "PUT", "/resources/{scene}", 412, b"x",
                headers={**TIFF, "If-None-Match": "*"}),
        Hostile("if-match-weak-tag-put", "PUT", "/resources/{scene}", 412, b"x",
                headers={**TIFF, "If-Match": 'W/"0x0"'}),
    ]


def _id_rows() -> list[Hostile]:
    get = lambda name, expected, path, raw=False: Hostile(  # noqa: E731
        name, "GET", path, expected, raw_path=raw)
    return [
        get("id-traversal-encoded", 400, "/resources/..%2F..%2Fetc%2Fpasswd", raw=True),
        get("id-traversal-dots", 400, "/resources/%2e%2e/content", raw=True),
        get("id-backslash-traversal", 400, "/resources/..%5C..%5Cwindows", raw=True),
        get("id-nul", 400, "/resources/a%00b", raw=True),
        get("id-not-uuid", 400, "/resources/scene.tif"),
        get("id-uuid-without-hyphens", 400, "/resources/0190b3a45c6d7e8f9a0b1c2d3e4f5a6b"),
        get("id-uuid-braces", 400, "/resources/%7B0190b3a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b%7D", raw=True),
        get("id-very-long", 400, "/resources/" + "a" * 4000),
        get("id-unicode", 400, "/resources/%E2%80%AEfdp", raw=True),
        get("id-sql", 400, "/resources/1%27%20OR%20%271%27%3D%271", raw=True),
        get("id-unknown-uuid", 404, "/resources/0190b3a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b"),
        get("id-unknown-uppercase", 404, "/resources/0190B3A4-5C6D-7E8F-9A0B-1C2D3E4F5A6B"),
        get("part-unknown", 404, "/resources/{scene}/metadata"),
        get("part-dots", 404, "/resources/{scene}/%2e%2e", raw=True),
        Hostile("classify-id-not-uuid", "POST", "/classify/..%2Fresources", 400, raw_path=True),
        Hostile("classify-id-unknown", "POST", "/classify/0190b3a4-5c6d-7e8f-9a0b-1c2d3e4f5a6b", 404),
        Hostile("classify-stored-text", "POST", "/classify/{text}", 415),
        Hostile("classify-stored-truncated-tiff", "POST", "/classify/{broken}", 400),
        Hostile("method-post-item", "POST", "/resources/{scene}", 405, b"x"),
        Hostile("method-delete-collection", "DELETE", "/resources", 405),
        Hostile("method-put-content", "PUT", "/resources/{scene}/content", 405, b"x"),
    ]


def _listing_rows() -> list[Hostile]:
    listing = lambda name, expected, params: Hostile(  # noqa: E731
        name, "GET", "/resources", expected, params=params)
    return [
        listing("limit-zero", 400, {"limit": "0"}),
        listing("limit-over-max", 400, {"limit": "1001"}),
        listing("limit-negative", 400, {"limit": "-1"}),
        listing("limit-exponent", 400, {"limit": "1e3"}),
        listing("limit-huge", 400, {"limit": "9" * 400}),
        listing("limit-unicode-digits", 400, {"limit": "\u0665"}),
        listing("kind-unknown", 400, {"kind": "model"}),
        listing("cursor-garbage", 400, {"cursor": "!!!"}),
        listing("cursor-not-json", 400, {"cursor": base64.urlsafe_b64encode(b"\xff\xfe").decode()}),
        listing("cursor-forged-owner", 400, {"cursor": _cursor(
            {"v": 1, "o": "0" * 16, "k": None, "t": None, "a": None})}),
        listing("cursor-huge", 400, {"cursor": "A" * 6000}),
    ]


def _range_rows() -> list[Hostile]:
    ranged = lambda name, expected, value, note="", **extra: Hostile(  # noqa: E731
        name, "GET", "/resources/{scene}/content", expected,
        headers={"Range": value, **extra}, note=note)
    return [
        ranged("range-suffix-zero", 416, "bytes=-0"),
        ranged("range-beyond-end", 416, "bytes=99999999-"),
        ranged("range-astronomic-start", 416, "bytes=" + "9" * 40 + "-"),
        ranged("range-first-byte", 206, "bytes=0-0", note="a valid single range"),
        ranged("range-astronomic-suffix", 206, "bytes=-" + "9" * 40,
               note="a suffix longer than the content is the whole content (RFC 9110 14.1.2)"),
        ranged("range-reversed", 200, "bytes=5-1", note="invalid range-spec: Range ignored"),
        ranged("range-multiple", 200, "bytes=0-1,3-4", note="several ranges: Range ignored"),
        ranged("range-thousand-parts", 200, "bytes=" + ",".join(f"{i}-{i}" for i in range(1000)),
               note="several ranges: Range ignored"),
        ranged("range-other-unit", 200, "items=0-5", note="unknown unit: Range ignored"),
        ranged("range-empty-spec", 200, "bytes=", note="malformed: Range ignored"),
        ranged("range-negative-start", 200, "bytes=-1-2", note="malformed: Range ignored"),
        ranged("range-with-stale-if-range", 200, "bytes=0-0", note="If-Range mismatch: whole",
               **{"If-Range": '"stale"'}),
    ]


CORPUS: list[Hostile] = [*_json_rows(), *_query_rows(), *_npy_rows(), *_tiff_rows(),
                         *_content_type_rows(), *_metadata_rows(), *_name_and_header_rows(),
                         *_id_rows(), *_listing_rows(), *_range_rows()]
