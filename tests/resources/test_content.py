"""GET .../content and GET of a record: byte ranges (206/416), If-Range and If-None-Match (304)."""
from __future__ import annotations

import httpx
import pytest

from tests.resources.conftest import assert_problem, upload

CONTENT = b"0123456789abcdefghij"  # 20 bytes


@pytest.fixture(scope="module")
def stored(resource_app) -> dict:
    with httpx.Client(base_url=resource_app.base_url + "/api") as client:
        return upload(client, CONTENT, headers={"Content-Type": "image/tiff"}, name="r.tif")


@pytest.mark.parametrize("header, first, last", [
    ("bytes=0-0", 0, 0), ("bytes=5-9", 5, 9), ("bytes=5-", 5, 19), ("bytes=-3", 17, 19),
    ("bytes=15-1000", 15, 19), ("bytes=-100", 0, 19), ("BYTES = 2 - 3", 2, 3)])
def test_single_range_is_206_with_content_range(api: httpx.Client, stored: dict, header: str,
                                                first: int, last: int) -> None:
    response = api.get(f"/resources/{stored['id']}/content", headers={"Range": header})
    assert response.status_code == 206
    assert response.content == CONTENT[first:last + 1]
    assert response.headers["content-range"] == f"bytes {first}-{last}/20"
    assert response.headers["content-length"] == str(last - first + 1)
    assert response.headers["content-type"] == "image/tiff"
    assert response.headers["etag"] == stored["etag"]


@pytest.mark.parametrize("header", ["bytes=20-", "bytes=25-30", "bytes=-0"])
def test_unsatisfiable_range_is_416_with_the_size(api: httpx.Client, stored: dict,
                                                  header: str) -> None:
    response = api.get(f"/resources/{stored['id']}/content", headers={"Range": header})
    assert_problem(response, 416, "range-not-satisfiable")
    assert response.headers["content-range"] == "bytes */20"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=5-2", "items=0-1", "bytes=x-y",
                                    "bytes=-", "bytes"])
def test_multi_malformed_or_foreign_ranges_get_the_whole_content(api: httpx.Client, stored: dict,
                                                                 header: str) -> None:
    response = api.get(f"/resources/{stored['id']}/content", headers={"Range": header})
    assert response.status_code == 200 and response.content == CONTENT
    assert "content-range" not in response.headers


def test_if_range_honours_the_range_only_for_the_current_etag(api: httpx.Client,
                                                             stored: dict) -> None:
    url = f"/resources/{stored['id']}/content"
    current = api.get(url, headers={"Range": "bytes=0-1", "If-Range": stored["etag"]})
    assert current.status_code == 206 and current.content == b"01"
    stale = api.get(url, headers={"Range": "bytes=0-1", "If-Range": '"0x1"'})
    assert stale.status_code == 200 and stale.content == CONTENT


def test_if_none_match_gives_304_for_record_and_content(api: httpx.Client, stored: dict) -> None:
    for path in (f"/resources/{stored['id']}", f"/resources/{stored['id']}/content"):
        for header in (stored["etag"], "W/" + stored["etag"], f'"0x1", {stored["etag"]}', "*"):
            response = api.get(path, headers={"If-None-Match": header})
            assert response.status_code == 304 and response.content == b""
            assert response.headers["etag"] == stored["etag"]
        assert api.get(path, headers={"If-None-Match": '"0x1"'}).status_code == 200
        assert_problem(api.get(path, headers={"If-Match": '"0x1"'}), 412)
        assert api.get(path, headers={"If-Match": stored["etag"]}).status_code == 200
