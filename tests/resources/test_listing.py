"""GET /api/resources: id (= creation) order, ?limit=, opaque ?cursor=, ?kind= filter."""
from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shared.ownership import owner_for_principal
from shared.resource_store import ResourceStore
from tests.resources.conftest import assert_problem, upload


def list_all(api: httpx.Client, headers: dict, **params) -> list[dict]:
    """Every item, following next_cursor (bounded)."""
    items: list[dict] = []
    for _ in range(50):
        response = api.get("/resources", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        if page["next_cursor"] is None:
            assert "link" not in response.headers
            return items
        link = response.headers["link"]
        assert link.endswith('>; rel="next"')
        query = parse_qs(urlsplit(link[1:link.index(">")]).query)
        assert query["cursor"] == [page["next_cursor"]]
        params = {**params, "cursor": page["next_cursor"]}
    raise AssertionError("the listing did not end")


def test_empty_namespace_lists_nothing(api: httpx.Client, principal: dict) -> None:
    response = api.get("/resources", headers=principal)
    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


def test_pages_hold_every_resource_once_in_creation_order(api: httpx.Client,
                                                          principal: dict) -> None:
    created = [upload(api, f"scene {i}".encode(), principal, name=f"s{i}.tif") for i in range(7)]
    full = api.get("/resources", headers=principal).json()
    assert full["items"] == [api.get(f"/resources/{r['id']}", headers=principal).json()
                             for r in created]
    for limit in (1, 2, 3, 7, 1000):
        items = list_all(api, principal, limit=limit)
        assert [item["id"] for item in items] == [record["id"] for record in created]
    first = api.get("/resources", params={"limit": 3}, headers=principal).json()
    assert len(first["items"]) == 3 and first["next_cursor"]


def test_kind_filter(api: httpx.Client, principal: dict, store_env) -> None:
    owner = owner_for_principal(principal["x-ms-client-principal-id"])
    scenes = [upload(api, b"scene", principal) for _ in range(3)]
    store = ResourceStore()
    results = [store.create(owner, b"\x89PNG", kind="classification", content_type="image/png",
                            source=scenes[0]["id"], model_version="v1") for _ in range(4)]
    scenes.append(upload(api, b"late scene", principal))

    for limit in (1, 2, 100):
        assert [r["id"] for r in list_all(api, principal, kind="scene", limit=limit)] == \
            [r["id"] for r in scenes]
        classified = list_all(api, principal, kind="classification", limit=limit)
        assert [r["id"] for r in classified] == [r.id for r in results]
        assert all(r["source"] == scenes[0]["id"] and r["model_version"] == "v1"
                   for r in classified)
    assert len(list_all(api, principal)) == 8


@pytest.mark.parametrize("params, slug", [
    ({"limit": "0"}, "invalid-query"), ({"limit": "1001"}, "invalid-query"),
    ({"limit": "ten"}, "invalid-query"), ({"limit": "-1"}, "invalid-query"),
    ({"kind": "model"}, "invalid-query"), ({"cursor": "not a cursor"}, "invalid-cursor"),
    ({"cursor": "eyJ2IjoxfQ"}, "invalid-cursor")])
def test_invalid_queries_are_400(api: httpx.Client, params: dict, slug: str) -> None:
    assert_problem(api.get("/resources", params=params), 400, slug)


def test_cursor_is_bound_to_its_caller_and_filter(api: httpx.Client, principal: dict) -> None:
    for _ in range(2):
        upload(api, b"x", principal)
    cursor = api.get("/resources", params={"limit": 1}, headers=principal).json()["next_cursor"]
    assert cursor
    other = {"x-ms-client-principal-id": str(uuid.uuid4())}
    assert_problem(api.get("/resources", params={"cursor": cursor}, headers=other), 400,
                   "invalid-cursor")
    assert_problem(api.get("/resources", params={"cursor": cursor, "kind": "scene"},
                           headers=principal), 400, "invalid-cursor")
    assert api.get("/resources", params={"cursor": cursor}, headers=principal).status_code == 200
