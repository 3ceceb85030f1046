"""POST, GET, PUT and DELETE over HTTP through the local host: statuses, headers and bodies."""
from __future__ import annotations

import base64
import hashlib
import json
import uuid

import httpx

from tests.resources.conftest import UPLOAD_LIMIT, assert_problem, upload

SCENE = bytes(range(256)) * 40


def test_post_raw_body_creates_a_scene_with_its_record(api: httpx.Client) -> None:
    response = api.post("/resources", params={"name": "scene.tif"}, content=SCENE,
                        headers={"Content-Type": "image/tiff"})
    assert response.status_code == 201
    record = response.json()
    assert response.headers["location"] == f"/api/resources/{record['id']}"
    assert response.headers["etag"] == record["etag"] and record["etag"].startswith('"')
    uuid_value = uuid.UUID(record["id"])
    assert uuid_value.version == 7
    assert record | {"id": None, "etag": None, "created": None, "updated": None} == {
        "id": None, "kind": "scene", "name": "scene.tif", "content_type": "image/tiff",
        "size": len(SCENE), "sha256": hashlib.sha256(SCENE).hexdigest(), "created": None,
        "updated": None, "etag": None, "metadata": {}, "source": None, "model_version": None}
    assert record["created"] == record["updated"] and record["created"].endswith("Z")

    fetched = api.get(f"/resources/{record['id']}")
    assert fetched.status_code == 200 and fetched.json() == record
    assert fetched.headers["etag"] == record["etag"]
    assert fetched.headers["content-type"] == "application/json"


def test_content_comes_back_with_type_length_etag_disposition_and_digest(api: httpx.Client) -> None:
    record = upload(api, SCENE, name='ice "sheet"\\é.tif')
    response = api.get(f"/resources/{record['id']}/content")
    assert response.status_code == 200
    assert response.content == SCENE
    assert response.headers["content-type"] == "image/tiff"
    assert response.headers["content-length"] == str(len(SCENE))
    assert response.headers["etag"] == record["etag"]
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"ice _sheet___.tif\"; "
        "filename*=UTF-8''ice%20%22sheet%22%5C%C3%A9.tif")
    digest = base64.b64encode(hashlib.sha256(SCENE).digest()).decode()
    assert response.headers["repr-digest"] == f"sha-256=:{digest}:"


def test_defaults_name_is_the_id_and_type_is_octet_stream(api: httpx.Client) -> None:
    response = api.post("/resources", content=b"\x00\x01")
    record = response.json()
    assert response.status_code == 201
    assert record["name"] == record["id"]
    assert record["content_type"] == "application/octet-stream"


def test_content_type_parameters_are_kept(api: httpx.Client) -> None:
    record = upload(api, b"a,b\n", headers={"Content-Type": "Text/CSV; charset=utf-8"})
    assert record["content_type"] == "text/csv; charset=utf-8"
    assert api.get(f"/resources/{record['id']}/content").headers["content-type"] == \
        "text/csv; charset=utf-8"


def test_multipart_upload_takes_file_part_and_metadata_part(api: httpx.Client) -> None:
    files = {"file": ("orthomosaic.tif", SCENE, "image/tiff"),
             "metadata": (None, json.dumps({"site": "S6", "date": "2016-07-21"}))}
    response = api.post("/resources", files=files)
    assert response.status_code == 201, response.text
    record = response.json()
    assert (record["name"], record["content_type"], record["size"]) == (
        "orthomosaic.tif", "image/tiff", len(SCENE))
    assert record["metadata"] == {"site": "S6", "date": "2016-07-21"}
    assert api.get(f"/resources/{record['id']}/content").content == SCENE

    renamed = api.post("/resources", params={"name": "other.tif"},
                       files={"file": ("x.tif", b"123", "image/tiff")})
    assert renamed.json()["name"] == "other.tif" and renamed.json()["metadata"] == {}


def test_multipart_errors_are_problems(api: httpx.Client) -> None:
    assert_problem(api.post("/resources", files={"other": ("a", b"1")}), 400, "invalid-multipart")
    assert_problem(api.post("/resources", files={"file": ("a", b"1"), "metadata": (None, "{")}),
                   400, "invalid-metadata-json")
    assert_problem(api.post("/resources", files={"file": ("a", b"1"),
                                                 "metadata": (None, '{"a": {"b": "c"}}')}),
                   422, "invalid-metadata")
    assert_problem(api.post("/resources", files={"file": ("a", b"1"), "metadata": (None, '["x"]')}),
                   422, "invalid-metadata")


def test_bad_uploads_are_4xx_problems(api: httpx.Client) -> None:
    assert_problem(api.post("/resources", content=b""), 400, "empty-content")
    assert_problem(api.post("/resources", content=b"x" * (UPLOAD_LIMIT + 1)), 413,
                   "content-too-large")
    assert_problem(api.post("/resources", content=b"x", params={"name": "a\r\nSet-Cookie: x=1"}),
                   422, "invalid-name")
    assert_problem(api.post("/resources", content=b"x", params={"name": "n" * 256}), 422,
                   "invalid-name")
    assert_problem(api.post("/resources", content=b"x", headers={"Content-Type": "image"}), 400,
                   "invalid-content-type")
    assert_problem(api.post("/resources", content=b"x", headers={"Content-Type": "a/b; c"}), 400,
                   "invalid-content-type")


def test_multi_block_upload_round_trips(api: httpx.Client) -> None:
    content = hashlib.sha256(b"seed").digest() * (17 * 1024 * 1024 // 32 + 5)  # 3 blocks
    record = upload(api, content)
    assert record["size"] == len(content)
    assert record["sha256"] == hashlib.sha256(content).hexdigest()
    assert api.get(f"/resources/{record['id']}/content").content == content


def test_put_creates_then_replaces_keeping_name_metadata_and_created(api: httpx.Client) -> None:
    resource_id = str(uuid.uuid4())
    created = api.put(f"/resources/{resource_id}", params={"name": "first.tif"}, content=b"v1",
                      headers={"Content-Type": "image/tiff"})
    assert created.status_code == 201
    assert created.headers["location"] == f"/api/resources/{resource_id}"
    first = created.json()
    assert first["id"] == resource_id and first["name"] == "first.tif"
    patched = api.patch(f"/resources/{resource_id}", json={"metadata": {"k": "v"}},
                        headers={"Content-Type": "application/merge-patch+json"}).json()

    replaced = api.put(f"/resources/{resource_id}", content=b"version 2",
                       headers={"Content-Type": "image/png"})
    assert replaced.status_code == 200 and "location" not in replaced.headers
    second = replaced.json()
    assert second["name"] == "first.tif" and second["metadata"] == {"k": "v"}
    assert second["created"] == first["created"] and second["updated"] > patched["updated"]
    assert second["etag"] not in (first["etag"], patched["etag"])
    assert (second["content_type"], second["size"]) == ("image/png", 9)
    assert api.get(f"/resources/{resource_id}/content").content == b"version 2"


def test_put_is_idempotent_and_ids_are_case_insensitive(api: httpx.Client) -> None:
    resource_id = str(uuid.uuid4())
    for expected in (201, 200, 200):
        response = api.put(f"/resources/{resource_id.upper()}", content=b"same")
        assert response.status_code == expected
        assert response.json()["id"] == resource_id
    assert api.get(f"/resources/{resource_id}/content").content == b"same"


def test_put_preconditions(api: httpx.Client) -> None:
    resource_id = str(uuid.uuid4())
    url = f"/resources/{resource_id}"
    assert_problem(api.put(url, content=b"a", headers={"If-Match": "*"}), 412,
                   "precondition-failed")
    assert_problem(api.put(url, content=b"a", headers={"If-Match": '"0x1"'}), 412)
    assert api.get(url).status_code == 404  # nothing was written
    created = api.put(url, content=b"a", headers={"If-None-Match": "*"})
    assert created.status_code == 201
    etag = created.headers["etag"]
    assert_problem(api.put(url, content=b"b", headers={"If-None-Match": "*"}), 412)
    assert_problem(api.put(url, content=b"b", headers={"If-Match": '"0x1"'}), 412)
    assert_problem(api.put(url, content=b"b", headers={"If-Match": "W/" + etag}), 412)
    assert api.get(f"{url}/content").content == b"a"
    replaced = api.put(url, content=b"b", headers={"If-Match": f'"0x1", {etag}'})
    assert replaced.status_code == 200
    assert api.put(url, content=b"c", headers={"If-Match": "*"}).status_code == 200
    assert_problem(api.put(url, content=b"d", headers={"If-Match": "0x1"}), 400,
                   "invalid-precondition")


def test_delete(api: httpx.Client) -> None:
    record = upload(api, b"to delete")
    url = f"/resources/{record['id']}"
    assert_problem(api.delete(url, headers={"If-Match": '"0x1"'}), 412, "precondition-failed")
    assert api.get(url).status_code == 200
    response = api.delete(url, headers={"If-Match": record["etag"]})
    assert response.status_code == 204 and response.content == b""
    assert_problem(api.get(url), 404, "resource-not-found")
    assert_problem(api.get(f"{url}/content"), 404, "resource-not-found")
    assert_problem(api.delete(url), 404, "resource-not-found")


def test_routes_ids_and_methods(api: httpx.Client) -> None:
    unknown = str(uuid.uuid4())
    for method, path in (("GET", "/resources/not-a-uuid"), ("DELETE", "/resources/1234"),
                         ("PUT", "/resources/zzzzzzzz-0000-0000-0000-000000000000"),
                         ("PATCH", "/resources/%20"), ("GET", "/resources/x/content")):
        assert_problem(api.request(method, path, content=b"{}"), 400, "invalid-resource-id")
    assert_problem(api.get(f"/resources/{unknown}"), 404, "resource-not-found")
    assert_problem(api.get(f"/resources/{unknown}/thumbnail"), 404, "not-found")
    response = assert_problem(api.put("/resources"), 405, "method-not-allowed")
    assert api.put("/resources").headers["allow"] == "GET, POST"
    assert api.post(f"/resources/{unknown}", content=b"x").headers["allow"] == \
        "GET, PUT, PATCH, DELETE"
    assert api.delete(f"/resources/{unknown}/content").headers["allow"] == "GET"
    assert response["instance"] == "/api/resources"
