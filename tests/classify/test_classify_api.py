"""POST /api/classify[/{id}] end to end: the app on the local host, real HTTP, Azurite, real models."""
from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Iterator

import httpx
import numpy as np
import pytest

from shared.surfaces import CLASSES, SENSORS
from tests.classify.scenes import (GEO_CODES, class_means, npy_bytes, read_palette_png, read_tiff,
                                   striped_scene, tiff_bytes)
from tests.resources.conftest import assert_problem
from tests.support.apphost import AppHost

TIFF = {"Content-Type": "image/tiff"}
NPY = {"Content-Type": "application/x-npy"}


def assert_model_headers(response: httpx.Response, sensor: str = "micasense") -> None:
    assert response.headers["x-model-name"] == f"icesurf-{sensor}"
    assert response.headers["x-model-version"]
    assert len(response.headers["x-model-sha256"]) == 64


def class_counts(document: dict) -> dict[int, int]:
    return {entry["code"]: entry["pixels"] for entry in document["classes"]}


def expected_counts(codes: np.ndarray) -> dict[int, int]:
    return {surface.code: int((codes == surface.code).sum()) for surface in CLASSES}


# --- JSON pixels --------------------------------------------------------------------------------

def test_json_pixels_get_a_label_and_class_name_each(client: httpx.Client):
    pixels = np.round(class_means("micasense").astype(float), 4).tolist()
    pixels.append([float("nan")] * 5)
    body = json.dumps({"pixels": pixels[:6] + [[None, 0.1, 0.1, 0.1, 0.1]], "sensor": "micasense"})
    response = client.post("/classify", content=body,
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert_model_headers(response)
    document = response.json()
    assert document["labels"] == [1, 2, 3, 4, 5, 6, 0]
    assert document["label_names"] == [c.name for c in CLASSES] + [None]
    assert document["shape"] == [7] and document["valid_pixels"] == 6
    assert document["masked_pixels"] == 1
    assert document["model"]["version"] == response.headers["x-model-version"]
    assert document["model"]["sha256"] == response.headers["x-model-sha256"]
    assert {entry["name"] for entry in document["classes"]} == {c.name for c in CLASSES}
    assert all(entry["coverage"] == pytest.approx(1 / 6) for entry in document["classes"])


def test_sentinel2_pixels_from_the_query_or_the_body(client: httpx.Client):
    means = class_means("sentinel2")
    scaled = np.round(means * 10000).astype(int).tolist()   # L2A digital numbers
    for params, body in (({"sensor": "sentinel2", "scale": "10000"}, {"pixels": scaled}),
                         ({}, {"pixels": means.tolist(), "sensor": "sentinel2"})):
        response = client.post("/classify", params=params, json=body)
        assert response.status_code == 200, response.text
        assert_model_headers(response, "sentinel2")
        assert response.json()["labels"] == [1, 2, 3, 4, 5, 6]


def test_integer_json_pixels_use_the_sensor_default_scale(client: httpx.Client):
    dn = np.round(class_means("sentinel2") * 10000).astype(int).tolist()
    response = client.post("/classify", params={"sensor": "sentinel2"}, json={"pixels": dn})
    document = response.json()
    assert document["labels"] == [1, 2, 3, 4, 5, 6] and document["scale"] == 10000


def test_nodata_parameter_masks_pixels(client: httpx.Client):
    pixels = class_means("micasense").tolist() + [[-9999.0] * 5, [0.5, 0.5, -9999.0, 0.5, 0.5]]
    response = client.post("/classify", params={"nodata": "-9999"}, json={"pixels": pixels})
    document = response.json()
    assert document["labels"][6:] == [0, 0] and document["valid_pixels"] == 6
    assert document["nodata"] == -9999


def test_query_and_body_naming_different_sensors_is_a_400(client: httpx.Client):
    response = client.post("/classify", params={"sensor": "micasense"},
                           json={"pixels": class_means("sentinel2").tolist(), "sensor": "sentinel2"})
    assert_problem(response, 400, "invalid-parameter")


# --- GeoTIFF and .npy ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def striped() -> tuple[np.ndarray, np.ndarray]:
    scene, codes = striped_scene("micasense")
    scene = scene.copy()
    scene[0, 0] = np.nan
    scene[1, 1, 2] = np.inf
    scene[2, 2] = -1.0       # the file's GDAL_NODATA
    codes = codes.copy()
    codes[0, 0] = codes[1, 1] = codes[2, 2] = 0
    return scene, codes


def test_geotiff_json_summary_counts_every_class_and_masks_nan_inf_nodata(client, striped):
    scene, codes = striped
    response = client.post("/classify", content=tiff_bytes(scene, geo=True, nodata="-1"),
                           headers=TIFF)
    assert response.status_code == 200, response.text
    assert_model_headers(response)
    document = response.json()
    assert document["shape"] == [24, 30] and document["bands"] == 5
    assert document["valid_pixels"] == 24 * 30 - 3 and document["masked_pixels"] == 3
    assert document["nodata"] == -1
    assert class_counts(document) == expected_counts(codes)
    coverage = sum(entry["coverage"] for entry in document["classes"])
    assert coverage == pytest.approx(1.0)
    snow = next(entry for entry in document["classes"] if entry["code"] == 1)
    heavy = next(entry for entry in document["classes"] if entry["code"] == 6)
    assert snow["mean_albedo"] > heavy["mean_albedo"] > 0
    assert 0 < document["mean_albedo"] < 1


def test_geotiff_class_map_keeps_the_georeferencing(client, striped):
    scene, codes = striped
    response = client.post("/classify", content=tiff_bytes(scene, geo=True, nodata="-1"),
                           headers={**TIFF, "Accept": "image/tiff"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/tiff"
    assert_model_headers(response)
    image, tags = read_tiff(response.content)
    _, source_tags = read_tiff(tiff_bytes(scene, geo=True))
    assert image.dtype == np.uint8
    np.testing.assert_array_equal(image, codes)
    for code in GEO_CODES:
        assert tags[code] == source_tags[code], code
    assert tags[42113].strip("\0") == "0"
    assert "heavy algae" in tags[42112] and response.headers["x-model-version"] in tags[42112]


def test_geotiff_albedo_product(client, striped):
    scene, codes = striped
    response = client.post("/classify", params={"product": "albedo"},
                           content=tiff_bytes(scene, geo=True, nodata="-1", compression="zlib"),
                           headers={**TIFF, "Accept": "image/tiff"})
    assert response.status_code == 200, response.text
    albedo, tags = read_tiff(response.content)
    assert albedo.dtype == np.float32 and albedo.shape == codes.shape
    np.testing.assert_array_equal(np.isnan(albedo), codes == 0)
    assert tags[33922] == read_tiff(tiff_bytes(scene, geo=True))[1][33922]
    snow_albedo = albedo[codes == 1]
    assert np.allclose(snow_albedo, snow_albedo[0]) and 0.5 < snow_albedo[0] < 1


def test_png_preview_in_the_class_colours(client, striped):
    scene, codes = striped
    response = client.post("/classify", content=tiff_bytes(scene, nodata="-1"),
                           headers={**TIFF, "Accept": "image/png"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert_model_headers(response)
    indices, palette, transparency = read_palette_png(response.content)
    np.testing.assert_array_equal(indices, codes)
    assert palette[1:] == [surface.colour for surface in CLASSES]
    assert transparency == b"\x00"


@pytest.mark.parametrize("band_first", [False, True])
def test_npy_in_npy_out(client, striped, band_first):
    scene, codes = striped
    array = np.moveaxis(scene, -1, 0) if band_first else scene
    response = client.post("/classify", params={"nodata": "-1"},
                           content=npy_bytes(np.asfortranarray(array)),
                           headers={**NPY, "Accept": "application/x-npy"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/x-npy"
    assert_model_headers(response)
    labels = np.load(io.BytesIO(response.content), allow_pickle=False)
    np.testing.assert_array_equal(labels, codes)


def test_npy_albedo_and_pixel_list_npy(client):
    response = client.post("/classify", json={"pixels": class_means("micasense").tolist()},
                           headers={"Accept": "application/x-npy"})
    np.testing.assert_array_equal(np.load(io.BytesIO(response.content)), [1, 2, 3, 4, 5, 6])
    response = client.post("/classify", params={"product": "albedo"},
                           json={"pixels": class_means("micasense").tolist()},
                           headers={"Accept": "application/x-npy"})
    albedo = np.load(io.BytesIO(response.content))
    assert albedo.dtype == np.float32 and albedo.shape == (6,) and albedo[0] > albedo[5]


def test_ambiguous_npy_layout_and_its_override(client):
    cube = class_means("micasense")[np.arange(25) % 6].reshape(5, 5, 5)
    assert_problem(client.post("/classify", content=npy_bytes(cube), headers=NPY),
                   400, "ambiguous-layout")
    response = client.post("/classify", params={"layout": "band-last"}, content=npy_bytes(cube),
                           headers=NPY)
    assert response.status_code == 200 and response.json()["valid_pixels"] == 25


def test_scaled_uint16_tiff_with_the_default_and_explicit_scale(client, striped):
    scene, codes = striped
    finite = np.nan_to_num(scene, nan=0, posinf=0, neginf=0).clip(0, 1)
    digital = np.round(finite * 65535).astype(np.uint16)
    default = client.post("/classify", content=tiff_bytes(digital, nodata="0"), headers=TIFF)
    document = default.json()
    assert document["scale"] == SENSORS["micasense"].integer_scale
    explicit = client.post("/classify", params={"scale": "65535"},
                           content=tiff_bytes(digital, nodata="0", planar=True), headers=TIFF)
    assert class_counts(explicit.json()) == class_counts(document)
    assert class_counts(document)[6] == int((codes == 6).sum())


def test_octet_stream_is_sniffed(client, striped):
    response = client.post("/classify", content=tiff_bytes(striped[0]),
                           headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 200 and response.json()["shape"] == [24, 30]


# --- errors -------------------------------------------------------------------------------------

def test_wrong_band_count_is_a_422_naming_both(client, striped):
    response = client.post("/classify", params={"sensor": "sentinel2"},
                           content=tiff_bytes(striped[0]), headers=TIFF)
    problem = assert_problem(response, 422, "wrong-band-count")
    assert (problem["expected_bands"], problem["actual_bands"]) == (9, 5)


def test_unreadable_and_truncated_bodies_are_400(client, striped):
    body = tiff_bytes(striped[0])
    assert_problem(client.post("/classify", content=body[: len(body) // 2], headers=TIFF),
                   400, "unreadable-image")
    assert_problem(client.post("/classify", content=b"II*\x00garbage", headers=TIFF), 400)
    assert_problem(client.post("/classify", content=b"{", headers={"Content-Type":
                                                                   "application/json"}), 400)


def test_unsupported_media_type_is_415(client):
    problem = assert_problem(client.post("/classify", content=b"1,2,3",
                                         headers={"Content-Type": "text/csv"}), 415)
    assert "image/tiff" in problem["detail"]


def test_unservable_accept_is_406(client, striped):
    response = client.post("/classify", content=tiff_bytes(striped[0]),
                           headers={**TIFF, "Accept": "text/html"})
    assert_problem(response, 406)


def test_too_many_pixels_is_413_from_the_header(client):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": (5000, 5000, 5)})
    response = client.post("/classify", content=header.getvalue() + b"\0" * 1024, headers=NPY)
    problem = assert_problem(response, 413, "too-many-pixels")
    assert problem["pixels"] == 25_000_000


@pytest.mark.parametrize("params", [{"sensor": "landsat"}, {"scale": "0"}, {"scale": "abc"},
                                    {"nodata": "x"}, {"layout": "diagonal"}, {"product": "ndvi"},
                                    {"colour": "red"}], ids=lambda p: "-".join(p))
def test_bad_parameters_are_400(client, params):
    response = client.post("/classify", params=params, json={"pixels": [[0.1] * 5]})
    problem = assert_problem(response, 400, "invalid-parameter")
    assert problem["parameter"] in (*params, "query")


def test_png_of_albedo_is_a_400(client):
    response = client.post("/classify", params={"product": "albedo"},
                           json={"pixels": [[0.1] * 5]}, headers={"Accept": "image/png"})
    assert_problem(response, 400, "invalid-parameter")


def test_hostile_bodies_leave_the_worker_serving(client, app):
    bomb_like = b"II*\x00" + b"\xff" * 4096
    for body, headers in ((bomb_like, TIFF), (b"\x93NUMPY\x01\x00" + b"{" * 500, NPY),
                          (b"[" * 100_000, {"Content-Type": "application/json"})):
        assert 400 <= client.post("/classify", content=body, headers=headers).status_code < 500
    assert client.get("/health").status_code == 200
    response = client.post("/classify", json={"pixels": class_means("micasense").tolist()})
    assert response.json()["labels"] == [1, 2, 3, 4, 5, 6]
    assert app.process.poll() is None


# --- stored scenes ------------------------------------------------------------------------------

@pytest.fixture()
def principal() -> dict[str, str]:
    return {"x-ms-client-principal-id": str(uuid.uuid4())}


def test_stored_scene_classification_is_stored_and_downloadable(client, striped, principal):
    scene, codes = striped
    source = tiff_bytes(scene, geo=True, nodata="-1")
    created = client.post("/resources", content=source, params={"name": "flight 7"},
                          headers={**TIFF, **principal})
    assert created.status_code == 201, created.text
    scene_id = created.json()["id"]
    response = client.post(f"/classify/{scene_id}", headers=principal)
    assert response.status_code == 201, response.text
    assert_model_headers(response)
    document = response.json()
    assert class_counts(document) == expected_counts(codes)
    location = response.headers["location"]
    result_id = document["resource"]["id"]
    assert location == f"/api/resources/{result_id}"
    record = client.get(location.removeprefix("/api"), headers=principal).json()
    assert record["kind"] == "classification" and record["source"] == scene_id
    assert record["model_version"] == response.headers["x-model-version"]
    assert record["content_type"] == "image/tiff" and record["name"] == "flight 7 classes.tif"
    content = client.get(f"/resources/{result_id}/content", headers=principal)
    image, tags = read_tiff(content.content)
    np.testing.assert_array_equal(image, codes)
    _, source_tags = read_tiff(source)
    assert all(tags[code] == source_tags[code] for code in GEO_CODES)


def test_stored_scene_with_the_longest_name_gets_a_valid_result_name(client, striped, principal):
    long_name = "x" * 255
    created = client.post("/resources", content=tiff_bytes(striped[0]), params={"name": long_name},
                          headers={**TIFF, **principal}).json()
    response = client.post(f"/classify/{created['id']}", headers=principal)
    assert response.status_code == 201, response.text
    name = response.json()["resource"]["name"]
    assert len(name) == 255 and name.endswith(" classes.tif")


def test_stored_scene_of_another_principal_or_unknown_is_404(client, striped, principal):
    created = client.post("/resources", content=tiff_bytes(striped[0]),
                          headers={**TIFF, **principal}).json()
    stranger = {"x-ms-client-principal-id": str(uuid.uuid4())}
    assert_problem(client.post(f"/classify/{created['id']}", headers=stranger), 404)
    assert_problem(client.post(f"/classify/{uuid.uuid4()}", headers=principal), 404)
    assert_problem(client.post("/classify/not-an-id", headers=principal), 400)


def test_stored_non_image_is_a_415_and_a_classification_is_not_a_scene(client, striped, principal):
    text = client.post("/resources", content=b"hello", headers={"Content-Type": "text/plain",
                                                                **principal}).json()
    assert_problem(client.post(f"/classify/{text['id']}", headers=principal), 415)
    scene = client.post("/resources", content=tiff_bytes(striped[0]),
                        headers={**TIFF, **principal}).json()
    result = client.post(f"/classify/{scene['id']}", headers=principal).json()["resource"]
    assert_problem(client.post(f"/classify/{result['id']}", headers=principal), 409)


# --- no model -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def modelless_app(azurite, tmp_path_factory) -> Iterator[AppHost]:
    empty: Path = tmp_path_factory.mktemp("no-models")
    env = {"STORAGE_CONNECTION_STRING": azurite.connection_string, "MODEL_LOCAL_DIR": str(empty),
           "RETRY_AFTER_SECONDS": "9"}
    with AppHost(env) as host:
        yield host


def test_no_model_is_503_with_retry_after(modelless_app):
    with httpx.Client(base_url=modelless_app.base_url + "/api", timeout=60) as http:
        response = http.post("/classify", json={"pixels": [[0.1] * 5]})
        assert_problem(response, 503)
        assert response.headers["retry-after"] == "9"
