"""Ownership: a principal's resources are invisible (404, never 403) to everyone else, on every
route; without a principal all callers share one space."""
from __future__ import annotations

import uuid

import httpx

from tests.resources.conftest import MERGE_PATCH, assert_problem, upload


def test_other_principals_and_the_shared_space_cannot_see_or_touch(api: httpx.Client) -> None:
    alice = {"x-ms-client-principal-id": str(uuid.uuid4())}
    bob = {"x-ms-client-principal-id": str(uuid.uuid4())}
    record = upload(api, b"alice's scene", alice, name="a.tif")
    url = f"/resources/{record['id']}"
    for stranger in (bob, {}):
        assert_problem(api.get(url, headers=stranger), 404, "resource-not-found")
        assert_problem(api.get(f"{url}/content", headers=stranger), 404, "resource-not-found")
        assert_problem(api.patch(url, json={"name": "x"}, headers={**MERGE_PATCH, **stranger}),
                       404, "resource-not-found")
        assert_problem(api.delete(url, headers=stranger), 404, "resource-not-found")
        assert_problem(api.delete(url, headers={"If-Match": record["etag"], **stranger}), 404)
        assert record["id"] not in {r["id"] for r in
                                    api.get("/resources", headers=stranger).json()["items"]}
    # A PUT at the same id makes the stranger's own resource; Alice's is untouched.
    assert api.put(url, content=b"bob's", headers=bob).status_code == 201
    assert api.get(f"{url}/content", headers=bob).content == b"bob's"
    assert api.get(url, headers=alice).json() == record
    assert api.get(f"{url}/content", headers=alice).content == b"alice's scene"
    assert [r["id"] for r in api.get("/resources", headers=alice).json()["items"]] == [record["id"]]


def test_without_a_principal_callers_share_one_space(api: httpx.Client) -> None:
    record = upload(api, b"shared scene")
    assert api.get(f"/resources/{record['id']}", headers={}).status_code == 200
    assert api.get(f"/resources/{record['id']}",
                   headers={"x-ms-client-principal-id": ""}).status_code == 200
    assert_problem(api.get(f"/resources/{record['id']}",
                           headers={"x-ms-client-principal-id": str(uuid.uuid4())}), 404)


def test_an_unusable_principal_header_is_400(api: httpx.Client) -> None:
    assert_problem(api.get("/resources", headers={"x-ms-client-principal-id": "x" * 300}), 400,
                   "invalid-principal")
