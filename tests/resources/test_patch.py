"""PATCH with application/merge-patch+json (RFC 7396) on name and metadata, and its errors."""
from __future__ import annotations

import httpx
import pytest

from tests.resources.conftest import MERGE_PATCH, assert_problem, upload


@pytest.fixture()
def record(api: httpx.Client) -> dict:
    created = api.post("/resources", params={"name": "a.tif"},
                       files={"file": ("a.tif", b"abc", "image/tiff"),
                              "metadata": (None, '{"site": "S6", "camera": "RedEdge"}')})
    return created.json()


def patch(api: httpx.Client, record: dict, document, headers: dict | None = None
          ) -> httpx.Response:
    return api.patch(f"/resources/{record['id']}", json=document,
                     headers={**MERGE_PATCH, **(headers or {})})


def test_merge_patch_sets_replaces_and_removes(api: httpx.Client, record: dict) -> None:
    response = patch(api, record, {"name": "renamed.tif",
                                   "metadata": {"camera": None, "note": "dark ice", "site": "S5"}})
    assert response.status_code == 200
    patched = response.json()
    assert patched["name"] == "renamed.tif"
    assert patched["metadata"] == {"site": "S5", "note": "dark ice"}
    assert response.headers["etag"] == patched["etag"] != record["etag"]
    assert patched["created"] == record["created"] and patched["updated"] > record["updated"]
    assert (patched["sha256"], patched["size"]) == (record["sha256"], record["size"])
    assert api.get(f"/resources/{record['id']}").json() == patched

    cleared = patch(api, record, {"metadata": None}).json()
    assert cleared["metadata"] == {} and cleared["name"] == "renamed.tif"


def test_empty_patch_changes_nothing(api: httpx.Client, record: dict) -> None:
    response = patch(api, record, {})
    assert response.status_code == 200 and response.json() == record


def test_patch_needs_the_merge_patch_media_type(api: httpx.Client, record: dict) -> None:
    for content_type in ("application/json", "application/json-patch+json", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = api.patch(f"/resources/{record['id']}", content=b'{"name": "x"}',
                             headers=headers)
        assert_problem(response, 415, "unsupported-media-type")
        assert response.headers["accept-patch"] == "application/merge-patch+json"


@pytest.mark.parametrize("document, slug", [
    ({"kind": "classification"}, "read-only-member"),
    ({"name": "x", "sha256": "00"}, "read-only-member"),
    ([{"op": "replace"}], "invalid-patch"),
    ("name", "invalid-patch"),
    ({"name": None}, "invalid-name"),
    ({"name": ""}, "invalid-name"),
    ({"name": 7}, "invalid-name"),
    ({"name": "tab\there"}, "invalid-name"),
    ({"metadata": {"a": {"b": "c"}}}, "invalid-metadata"),
    ({"metadata": {"a": 1}}, "invalid-metadata"),
    ({"metadata": {"": "empty key"}}, "invalid-metadata"),
    ({"metadata": ["a"]}, "invalid-metadata"),
    ({"metadata": {"big": "x" * 4096}}, "metadata-too-large"),
])
def test_invalid_patches_are_422_and_change_nothing(api: httpx.Client, record: dict, document,
                                                   slug: str) -> None:
    assert_problem(patch(api, record, document), 422, slug)
    assert api.get(f"/resources/{record['id']}").json() == record


def test_metadata_limit_counts_utf8_json_bytes(api: httpx.Client, record: dict) -> None:
    # {"n":"<v>"} is 8 bytes of JSON around the value; with the two existing entries it must fit.
    existing = len('{"site":"S6","camera":"RedEdge",')
    fits = "é" * ((4096 - existing - len('"n":""}')) // 2)
    assert patch(api, record, {"metadata": {"n": fits}}).status_code == 200
    body = assert_problem(patch(api, record, {"metadata": {"n": fits + "é"}}), 422,
                          "metadata-too-large")
    assert body["max_bytes"] == 4096 and body["size"] > 4096


def test_invalid_json_is_400(api: httpx.Client, record: dict) -> None:
    response = api.patch(f"/resources/{record['id']}", content=b"{nope", headers=MERGE_PATCH)
    assert_problem(response, 400, "invalid-json")


def test_patch_preconditions_and_unknown_ids(api: httpx.Client, record: dict) -> None:
    assert_problem(patch(api, record, {"name": "b"}, {"If-Match": '"0x1"'}), 412)
    assert_problem(patch(api, record, {"name": "b"}, {"If-None-Match": "*"}), 412)
    response = patch(api, record, {"name": "b"}, {"If-Match": record["etag"]})
    assert response.status_code == 200
    assert_problem(patch(api, record, {"name": "c"}, {"If-Match": record["etag"]}), 412)
    assert_problem(patch(api, {"id": "00000000-0000-4000-8000-000000000000"}, {"name": "x"}), 404)


def test_unicode_names_and_metadata_survive(api: httpx.Client) -> None:
    record = upload(api, b"x", name="Kangerlussuaq – ø 冰.tif")
    patched = patch(api, record, {"metadata": {"opérateur": "Jónsdóttir", "emoji": "🧊"}}).json()
    assert patched["name"] == "Kangerlussuaq – ø 冰.tif"
    assert api.get(f"/resources/{record['id']}").json()["metadata"] == {
        "opérateur": "Jónsdóttir", "emoji": "🧊"}
