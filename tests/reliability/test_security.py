"""Security checks over the local host, driven by the OpenAPI document so new routes are covered:

* with keys enforced (``--enable-auth``), every non-anonymous operation refuses a missing or wrong
  key (401, empty body) and accepts the right one (header or ``?code=``); anonymous ones need none;
* no secret (storage connection string or account key, function or master key) appears in the
  host's logs or in any answer, including answers given while storage is down;
* ownership isolation on every operation that takes an id, and in listings and cursors;
* the model loader never unpickles a file that fails verification (manifest sha256, or the
  ``MODEL_ALLOWED_SHA256`` pin against an attacker who also rewrote the manifest).
"""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import uuid
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

import httpx
import numpy as np
import pytest

from tests.registry.test_serving import trap_payload
from tests.reliability.conftest import reliability_env
from tests.reliability.contract import assert_conforms, assert_problem, document
from tests.support.apphost import AppHost
from tests.support.azurite import Azurite

HOST_KEY = "reliability-host-key-" + uuid.uuid4().hex
MASTER_KEY = "reliability-master-key-" + uuid.uuid4().hex
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


def _scene() -> bytes:
    out = io.BytesIO()
    np.save(out, np.random.default_rng(5).uniform(0.05, 0.9, (4, 4, 5)).astype(np.float32))
    return out.getvalue()


def _request(path: str, method: str, scene_id: str) -> dict:
    """A plausible request for an operation: a real id, a body where one is expected."""
    kwargs: dict = {"method": method.upper(),
                    "url": path.replace("{id}", scene_id).replace("{asset}", "app.js")}
    if method in ("post", "put") and path.startswith("/resources"):
        kwargs.update(content=_scene(), headers={"Content-Type": "application/x-npy"})
    elif path == "/classify":
        kwargs.update(json={"pixels": [[0.8, 0.8, 0.75, 0.7, 0.6]]})
    elif method == "patch":
        kwargs.update(json={"name": "renamed"},
                      headers={"Content-Type": "application/merge-patch+json"})
    return kwargs


def _operations() -> Iterator[tuple[str, str, dict]]:
    for path, item in document()["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


@pytest.fixture(scope="module")
def secured(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppHost, Azurite]]:
    """The app with keys enforced, on its own Azurite (so it can be stopped)."""
    secrets = tmp_path_factory.mktemp("reliability-secrets")
    (secrets / "host.json").write_text(json.dumps({
        "masterKey": {"name": "master", "value": MASTER_KEY, "encrypted": False},
        "functionKeys": [{"name": "default", "value": HOST_KEY, "encrypted": False}]}))
    with Azurite() as storage:
        env = {**reliability_env(storage, model_dir, f"sec-{uuid.uuid4().hex[:12]}"),
               "AzureWebJobsSecretStorageType": "files", "FUNCTIONS_SECRETS_PATH": str(secrets)}
        with AppHost(env, extra_args=("--enable-auth",)) as host:
            yield host, storage


def _secrets(storage: Azurite) -> list[str]:
    connection = storage.connection_string
    account_key = dict(part.split("=", 1) for part in connection.rstrip(";").split(";"))["AccountKey"]
    return [connection, account_key, account_key[:24], HOST_KEY, MASTER_KEY]


def test_keys_are_enforced_on_every_keyed_operation(secured) -> None:
    host, _ = secured
    with httpx.Client(base_url=host.base_url + "/api", timeout=60,
                      headers={"x-functions-key": HOST_KEY}) as keyed:
        scene_id = keyed.post("/resources", content=_scene()).json()["id"]
    checked = 0
    with httpx.Client(base_url=host.base_url + "/api", timeout=60) as api:
        for path, method, operation in _operations():
            anonymous = operation.get("security") == []
            for key in (None, "wrong-" + HOST_KEY, HOST_KEY[:-1]):
                request = _request(path, method, scene_id)
                headers = dict(request.pop("headers", {}))
                if key:
                    headers["x-functions-key"] = key
                answer = api.request(headers=headers, **request)
                if anonymous:
                    assert answer.status_code < 400, (method, path, answer.status_code)
                else:
                    assert answer.status_code == 401 and answer.content == b"", (
                        method, path, key, answer.status_code)
                assert_conforms(answer)
                checked += 1
            if anonymous:
                continue
            for credentials in ({"headers": {"x-functions-key": HOST_KEY}},
                                {"params": {"code": HOST_KEY}},
                                {"headers": {"x-functions-key": MASTER_KEY}}):
                if method == "delete":  # keep the scene for the next operations
                    request = _request(path, method, str(uuid.uuid4()))
                else:
                    request = _request(path, method, scene_id)
                headers = {**request.pop("headers", {}), **credentials.get("headers", {})}
                answer = api.request(headers=headers, params=credentials.get("params"), **request)
                assert answer.status_code != 401, (method, path, credentials)
                assert_conforms(answer)
    assert checked >= 3 * len(list(_operations()))


def test_no_secret_in_logs_or_answers(secured) -> None:
    """A session of successes, refusals, a key in the query string and a storage outage: the
    credentials never show up in any answer or in the host's log."""
    host, storage = secured
    answers: list[httpx.Response] = []
    keyed = {"x-functions-key": HOST_KEY}
    with httpx.Client(base_url=host.base_url + "/api", timeout=60) as api:
        def record(answer: httpx.Response) -> httpx.Response:
            answers.append(answer)
            return answer

        record(api.get("/health"))
        record(api.get("/resources", params={"code": HOST_KEY}))
        record(api.get("/resources", headers={"x-functions-key": "wrong"}))
        record(api.post("/resources", content=b"", headers=keyed))
        record(api.post("/classify", content=b"garbage", headers=keyed))
        record(api.get("/resources/not-an-id", headers=keyed))
        record(api.get("/models/current", headers=keyed))
        storage.stop()
        try:
            for request in (("GET", "/resources"), ("POST", "/resources"), ("GET", "/health")):
                answer = record(api.request(*request, content=b"x" if request[0] == "POST" else None,
                                            headers=keyed))
                assert answer.status_code == 503
        finally:
            storage.start()
        record(api.get("/health"))
    for answer in answers:
        assert_conforms(answer)
    logs = host.logs()
    assert "storage unreachable" in logs and " 503 " in logs  # logged, without credentials:
    for secret in _secrets(storage):
        assert secret not in logs, "a secret is in the host's log"
        for answer in answers:
            assert secret.encode() not in answer.content, f"a secret in {answer.request.url.path}"
            assert not any(secret in value for value in answer.headers.values())


def test_ownership_is_isolated_on_every_operation_with_an_id(reliability_app: AppHost) -> None:
    alice = {"x-ms-client-principal-id": f"alice-{uuid.uuid4()}"}
    strangers = [{"x-ms-client-principal-id": f"bob-{uuid.uuid4()}"}, {}]
    with httpx.Client(base_url=reliability_app.base_url + "/api", timeout=60) as api:
        scene = api.post("/resources", content=_scene(), headers=alice).json()
        result = api.post(f"/classify/{scene['id']}", headers=alice)
        assert result.status_code == 201, result.text
        owned = [scene, result.json()["resource"]]
        before = {record["id"]: api.get(f"/resources/{record['id']}", headers=alice).json()
                  for record in owned}
        page = api.get("/resources", params={"limit": 1}, headers=alice).json()
        assert page["next_cursor"]
        id_operations = [(path, method) for path, method, _ in _operations() if "{id}" in path]
        assert len(id_operations) >= 6
        for stranger in strangers:
            listed = api.get("/resources", params={"limit": 1000}, headers=stranger).json()["items"]
            assert not {record["id"] for record in owned} & {item["id"] for item in listed}
            assert_problem(api.get("/resources", params={"cursor": page["next_cursor"]},
                                   headers=stranger), 400)
            for record in owned:
                for path, method in id_operations:
                    if method == "put":
                        continue  # creates the stranger's own resource at that id: below
                    request = _request(path, method, record["id"])
                    headers = {**request.pop("headers", {}), **stranger}
                    assert_problem(api.request(headers=headers, **request), 404)
        bob = strangers[0]
        assert api.put(f"/resources/{scene['id']}", content=b"bob's own", headers=bob
                       ).status_code == 201
        assert api.get(f"/resources/{scene['id']}/content", headers=bob).content == b"bob's own"
        for record in owned:
            assert api.get(f"/resources/{record['id']}", headers=alice).json() == before[record["id"]]
        assert api.get(f"/resources/{scene['id']}/content", headers=alice).content == _scene()


@pytest.mark.parametrize("attack", ["tampered model file", "rewritten manifest, pinned sha256"])
def test_model_loader_never_unpickles_an_unverified_file(azurite: Azurite, model_dir: Path,
                                                         tmp_path: Path, attack: str) -> None:
    marker = tmp_path / "unpickled"
    models = tmp_path / "models"
    shutil.copytree(model_dir, models)
    folder = models / "icesurf-micasense"
    genuine = [hashlib.sha256((artifact / "model.joblib").read_bytes()).hexdigest()
               for artifact in sorted(models.iterdir())]
    payload = trap_payload(marker)
    (folder / "model.joblib").write_bytes(payload)
    env = reliability_env(azurite, models, f"pickle-{uuid.uuid4().hex[:8]}")
    if attack.startswith("rewritten"):
        manifest = json.loads((folder / "manifest.json").read_text())
        manifest["sha256"] = hashlib.sha256(payload).hexdigest()
        (folder / "manifest.json").write_text(json.dumps(manifest))
        env["MODEL_ALLOWED_SHA256"] = ",".join(genuine)  # both genuine models, nothing else
    with AppHost(env) as host, httpx.Client(base_url=host.base_url + "/api", timeout=60) as api:
        answer = api.post("/classify", json={"pixels": [[0.8, 0.8, 0.75, 0.7, 0.6]]})
        assert_problem(answer, 503)
        assert "retry-after" in answer.headers
        assert api.get("/models/current").status_code == 503
        assert api.post("/classify", json={"pixels": [[0.1] * 9]},
                        params={"sensor": "sentinel2"}).status_code == 200  # the other model
    assert not marker.exists(), "an unverified model file was unpickled"


@pytest.mark.parametrize("name", ['evil";filename="evil.exe', "a\\\";b", "naïve; size=1.tif",
                                  "x' onload='y", "%0d%0aSet-Cookie: a=b"])
def test_stored_names_cannot_inject_into_download_headers(api: httpx.Client, name: str) -> None:
    """A valid but hostile name is stored as given and comes back in Content-Disposition as one
    quoted ASCII filename plus its exact RFC 5987 form, nothing more."""
    created = api.post("/resources", content=b"x", params={"name": name})
    assert created.status_code == 201 and created.json()["name"] == name
    download = api.get(f"/resources/{created.json()['id']}/content")
    disposition = download.headers["content-disposition"]
    assert disposition.count('filename="') == 1 and disposition.count("filename*=") == 1
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert '"' not in fallback and "\\" not in fallback and all(" " <= ch <= "~" for ch in fallback)
    assert disposition.endswith("filename*=UTF-8''" + quote(name, safe=""))
    assert "set-cookie" not in download.headers
    assert api.delete(f"/resources/{created.json()['id']}").status_code == 204
