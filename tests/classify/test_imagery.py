"""shared.imagery: every accepted encoding decodes to the same (H, W, B) array; bad bodies → problems."""
from __future__ import annotations

import io
import json
import resource
import struct
import time
import zlib

import numpy as np
import pytest
import tifffile

from shared.imagery import MAX_JSON_BYTES, decode_scene
from shared.problems import Problem
from tests.classify.scenes import GEO_CODES, npy_bytes, tiff_bytes

RNG = np.random.default_rng(7)
SCENE = RNG.random((23, 37, 5), dtype=np.float32)


def decode(body: bytes, media_type: str = "image/tiff", *, bands: int = 5,
           max_pixels: int = 10**6, layout: str | None = None):
    return decode_scene(body, media_type, band_count=lambda declared: bands,
                        max_pixels=max_pixels, layout=layout)


def problem_of(body: bytes, media_type: str = "image/tiff", **kwargs) -> Problem:
    with pytest.raises(Problem) as caught:
        decode(body, media_type, **kwargs)
    return caught.value


@pytest.mark.parametrize("dtype", ["f4", "f8", "f2", "u2", "i2", "u1", "u4"])
@pytest.mark.parametrize("options", [
    dict(),
    dict(planar=True),
    dict(compression="zlib"),
    dict(compression="zlib", predictor=True, tile=(16, 16)),
    dict(compression="lzw", planar=True, rowsperstrip=5),
    dict(compression="zstd", predictor=True),
    dict(compression="lzma"),
    dict(compression="packbits", tile=(16, 32), planar=True),
    dict(byteorder=">"),
    dict(byteorder=">", compression="zlib", predictor=True),
], ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "raw")
def test_tiff_layouts_dtypes_and_codecs_decode_exactly(options, dtype):
    if np.dtype(dtype).kind == "f":
        expected = SCENE.astype(dtype)
    else:
        expected = (SCENE * np.iinfo(dtype).max).astype(dtype)
    scene = decode(tiff_bytes(expected, **options))
    assert scene.encoding == "tiff"
    assert scene.pixels.shape == (23, 37, 5)
    assert scene.pixels.dtype.kind == expected.dtype.kind
    np.testing.assert_array_equal(scene.pixels, expected)


def test_one_band_per_page_tiff_is_read_band_first():
    out = io.BytesIO()
    tifffile.imwrite(out, np.moveaxis(SCENE, -1, 0), photometric="minisblack")  # 5 pages
    scene = decode(out.getvalue())
    np.testing.assert_array_equal(scene.pixels, SCENE)


@pytest.mark.parametrize("planar", [False, True])
def test_raw_contiguous_tiff_is_a_view_of_the_body_not_a_copy(planar):
    body = tiff_bytes(SCENE, planar=planar)
    scene = decode(body)
    assert np.shares_memory(scene.pixels, np.frombuffer(body, np.uint8))
    assert not scene.pixels.flags.writeable


def test_geotiff_georeferencing_and_nodata_are_read():
    scene = decode(tiff_bytes(SCENE, geo=True, nodata="-9999"))
    assert [tag.code for tag in scene.georeferencing] == list(GEO_CODES)
    assert dict((t.code, t.value) for t in scene.georeferencing)[33550] == (0.05, 0.05, 0.0)
    assert scene.nodata == -9999.0
    assert decode(tiff_bytes(SCENE, nodata="nan")).nodata != decode(tiff_bytes(SCENE)).nodata
    assert decode(tiff_bytes(SCENE)).nodata is None


def test_non_numeric_gdal_nodata_is_a_400():
    assert problem_of(tiff_bytes(SCENE, nodata="none")).status == 400


def _patch_tag(body: bytes, code: int, value: int) -> bytes:
    with tifffile.TiffFile(io.BytesIO(body)) as tiff:
        tag = tiff.pages[0].tags[code]
        fmt = {3: "<H", 4: "<I"}[int(tag.dtype)]
        offset = tag.valueoffset
    patched = bytearray(body)
    patched[offset:offset + struct.calcsize(fmt)] = struct.pack(fmt, value)
    return bytes(patched)


def test_too_many_pixels_is_refused_from_the_header_before_decoding():
    body = tiff_bytes(SCENE, compression="zlib")
    lying = _patch_tag(_patch_tag(body, 256, 60000), 257, 60000)   # claims 3.6 Gpx
    started = time.perf_counter()
    problem = problem_of(lying, max_pixels=16_777_216)
    assert problem.status == 413
    assert problem.extra["pixels"] == 60000 * 60000
    assert time.perf_counter() - started < 0.5
    assert problem_of(body, max_pixels=23 * 37 - 1).status == 413
    assert decode(body, max_pixels=23 * 37).pixels.shape == (23, 37, 5)


def test_zero_width_is_a_400():
    assert problem_of(_patch_tag(tiff_bytes(SCENE), 256, 0)).status == 400


@pytest.mark.parametrize("compression", [None, "zlib"])
def test_truncated_tiff_is_a_400(compression):
    body = tiff_bytes(SCENE, compression=compression)
    for cut in (len(body) // 2, len(body) - 1, 8, 3):
        problem = problem_of(body[:cut])
        assert problem.status == 400, cut
        assert problem.body()["type"] == "/problems/unreadable-image"


def test_strip_byte_count_beyond_the_body_is_a_400():
    body = tiff_bytes(SCENE, rowsperstrip=100)  # one strip
    assert "not inside" in problem_of(_patch_tag(body, 279, 10**7)).detail


def test_decompression_bomb_is_refused_without_inflating_it():
    deflate, zeros = zlib.compressobj(1), bytes(1 << 20)
    bomb = b"".join(deflate.compress(zeros) for _ in range(200)) + deflate.flush()  # 200 MiB → ~1 MB
    out = io.BytesIO()
    tifffile.imwrite(out, iter([bomb]), shape=(10, 10, 5), dtype="f4", photometric="minisblack", planarconfig="contig",
                     compression="zlib", rowsperstrip=10)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert problem_of(out.getvalue()).status == 400
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 50


def test_lossy_or_exotic_tiff_encodings_are_415():
    jpeg = io.BytesIO()
    tifffile.imwrite(jpeg, (SCENE[..., 0] * 255).astype("u1"), compression="jpeg")
    assert problem_of(jpeg.getvalue(), bands=1).status == 415
    complex_tiff = tiff_bytes(SCENE.astype("c8"))
    assert problem_of(complex_tiff).status == 415


def test_wrong_band_count_names_expected_and_actual():
    problem = problem_of(tiff_bytes(SCENE[..., :4]))
    assert problem.status == 422
    assert (problem.extra["expected_bands"], problem.extra["actual_bands"]) == (5, 4)
    assert "5" in problem.detail and "4" in problem.detail
    single = io.BytesIO()
    tifffile.imwrite(single, SCENE[..., 0])
    assert problem_of(single.getvalue()).extra["actual_bands"] == 1


def test_four_dimensional_tiff_is_a_422():
    out = io.BytesIO()
    tifffile.imwrite(out, np.zeros((2, 5, 8, 8), "f4"), photometric="minisblack")
    assert problem_of(out.getvalue()).status == 422


@pytest.mark.parametrize("garbage", [b"II*\x00" + b"\xff" * 50, b"MM\x00*\x00\x00\x00\x08",
                                     b"not a tiff at all"])
def test_garbage_tiff_is_a_400(garbage):
    assert problem_of(garbage).status == 400


# --- .npy ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("band_first", [False, True])
def test_npy_orders_and_layouts_are_detected(order, band_first):
    array = np.moveaxis(SCENE, -1, 0) if band_first else SCENE
    body = npy_bytes(np.asarray(array, order=order))
    scene = decode(body, "application/x-npy")
    assert scene.encoding == "npy"
    np.testing.assert_array_equal(scene.pixels, SCENE)
    assert np.shares_memory(scene.pixels, np.frombuffer(body, np.uint8))


def test_npy_ambiguous_layout_needs_the_override():
    cube = RNG.random((5, 11, 5)).astype("f4")
    problem = problem_of(npy_bytes(cube), "application/x-npy")
    assert problem.status == 400 and "layout" in problem.detail
    last = decode(npy_bytes(cube), "application/x-npy", layout="band-last").pixels
    first = decode(npy_bytes(cube), "application/x-npy", layout="band-first").pixels
    np.testing.assert_array_equal(last, cube)
    np.testing.assert_array_equal(first, np.moveaxis(cube, 0, -1))


def test_layout_override_that_contradicts_the_array_is_a_422():
    problem = problem_of(npy_bytes(SCENE), "application/x-npy", layout="band-first")
    assert problem.status == 422 and problem.extra["actual_bands"] == 23


def test_invalid_layout_value_is_a_400():
    assert problem_of(npy_bytes(SCENE), "application/x-npy", layout="sideways").status == 400


class _Payload:
    def __reduce__(self):  # would run code if this array were ever unpickled
        return (exec, ("raise SystemExit('unpickled')",))


def test_pickled_object_npy_is_refused_without_unpickling():
    out = io.BytesIO()
    np.save(out, np.array([[[_Payload()]]], dtype=object), allow_pickle=True)
    problem = problem_of(out.getvalue(), "application/x-npy")
    assert problem.status == 415 and "pickle" in problem.detail


@pytest.mark.parametrize("array", [SCENE.astype("c8"), np.zeros((4, 4, 5), "U3"),
                                   np.zeros((4, 4, 5), [("a", "f4")]), np.zeros((4, 4, 5), bool)],
                         ids=["complex", "unicode", "structured", "bool"])
def test_non_numeric_npy_is_415(array):
    assert problem_of(npy_bytes(array), "application/x-npy").status == 415


def test_npy_truncated_or_padded_is_a_400():
    body = npy_bytes(SCENE)
    assert problem_of(body[:-4], "application/x-npy").status == 400
    assert problem_of(body + b"\0" * 4, "application/x-npy").status == 400
    assert problem_of(body[:20], "application/x-npy").status == 400
    assert problem_of(b"\x93NUMPY garbage", "application/x-npy").status == 400


def _npy_header_only(shape: tuple[int, ...], dtype: str = "<f4") -> bytes:
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        out, {"descr": dtype, "fortran_order": False, "shape": shape})
    return out.getvalue() + b"\0" * 64


def test_npy_enormous_header_is_413_and_zero_dims_400():
    problem = problem_of(_npy_header_only((10**6, 10**6, 5)), "application/x-npy")
    assert problem.status == 413
    assert problem_of(_npy_header_only((0, 10, 5)), "application/x-npy").status == 400


def test_npy_dimensions_other_than_three():
    assert problem_of(npy_bytes(SCENE[..., 0]), "application/x-npy").status == 422
    assert problem_of(npy_bytes(SCENE[None]), "application/x-npy").status == 400


def test_octet_stream_is_sniffed():
    assert decode(tiff_bytes(SCENE), "application/octet-stream").encoding == "tiff"
    assert decode(npy_bytes(SCENE), "").encoding == "npy"
    assert problem_of(b"hello", "application/octet-stream").status == 415


def test_unsupported_media_type_and_empty_body():
    assert problem_of(b"a,b,c", "text/csv").status == 415
    assert problem_of(b"", "image/tiff").status == 400


# --- JSON pixels --------------------------------------------------------------------------------

def pixels_body(pixels, **members) -> bytes:
    return json.dumps({"pixels": pixels, **members}).encode()


def test_json_pixels_become_an_n_by_1_scene_with_nulls_as_nan():
    rows = SCENE[0, :10].tolist()
    rows[3][2] = None
    scene = decode(pixels_body(rows, sensor="micasense"), "application/json")
    assert scene.is_pixel_list and scene.pixels.shape == (10, 1, 5)
    assert scene.declared_sensor == "micasense"
    assert np.isnan(scene.pixels[3, 0, 2])
    np.testing.assert_allclose(scene.pixels[0, 0], SCENE[0, 0], rtol=1e-6)


def test_json_declared_sensor_chooses_the_band_count():
    seen = []
    rows = np.zeros((3, 9)).tolist()
    scene = decode_scene(pixels_body(rows, sensor="sentinel2"), "application/json",
                         band_count=lambda declared: seen.append(declared) or 9, max_pixels=100)
    assert seen == ["sentinel2"] and scene.pixels.shape == (3, 1, 9)


@pytest.mark.parametrize("body", [
    b"{not json", b"[1, 2]", b'{"pixels": 3}', b'{"pixels": [[1, 2, 3, 4, "5"]]}',
    b'{"pixels": [[1, 2, 3, 4, 5], [1, 2]]}', b'{"pixels": [[true, false, true, false, true]]}',
    b'{"pixels": [[[1, 2, 3, 4, 5]]]}', b'{"pixels": [[1, 2, 3, 4, {}]]}', b'{"pixels": []}',
    b'{"pixels": [[1, 2, 3, 4, 5]], "sensor": 5}', b"\xff\xfe",
    b'{"pixels": ' + b"[" * 5000 + b"]" * 5000 + b"}", b'{"pixels": [[1, 2, 3, 4, 1' + b"0" * 400 + b']]}',
], ids=range(13))
def test_bad_json_pixels_are_400(body):
    assert problem_of(body, "application/json").status == 400


def test_json_wrong_band_count_too_many_pixels_and_too_large_body():
    assert problem_of(pixels_body([[1, 2, 3]]), "application/json").extra["actual_bands"] == 3
    assert problem_of(pixels_body([[1, 2, 3, 4, 5]] * 11), "application/json",
                      max_pixels=10).status == 413
    huge = b'{"pixels": [' + b"[1,2,3,4,5]," * (MAX_JSON_BYTES // 12) + b"[1,2,3,4,5]]}"
    assert problem_of(huge, "application/json").status == 413


def test_json_nan_and_infinity_literals_are_accepted():
    scene = decode(b'{"pixels": [[NaN, 1, 2, 3, Infinity]]}', "application/json")
    assert np.isnan(scene.pixels[0, 0, 0]) and np.isinf(scene.pixels[0, 0, 4])

