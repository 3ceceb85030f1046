"""Retries, error reporting and transfers of the client against a scripted loopback server.

The server answers real HTTP; the client's sleeps are recorded (and shortened) so the tests can
check the exact delays it chose without waiting for them.
"""
from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import time
import uuid
from pathlib import Path

import pytest

from icesurf.client import ApiError, ApiUnreachable, Client, IceSurfError, RetryPolicy
from tests.client.scripted_server import PROBLEM_HEADERS, Answer, ScriptedServer, problem
from tests.support.ports import free_port

RECORD = {"id": "0190e0a4-7e3c-7000-8000-000000000001", "kind": "scene", "name": "a.tif",
          "content_type": "image/tiff", "size": 3, "sha256": "0" * 64,
          "created": "2026-01-01T00:00:00.000Z", "updated": "2026-01-01T00:00:00.000Z",
          "etag": '"0x1"', "metadata": {}, "source": None, "model_version": None}
OK = Answer(200, json.dumps(RECORD).encode(), {"Content-Type": "application/json"})
CREATED = Answer(201, OK.body, OK.headers)


def unavailable(retry_after: str | None = None, status: int = 503) -> Answer:
    headers = dict(PROBLEM_HEADERS)
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return Answer(status, problem(status, "The storage service could not be reached.",
                                  "storage-unavailable"), headers)


class Sleeps(list):
    """Records the client's sleeps instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(server: ScriptedServer, sleeps: Sleeps, **policy: float) -> Client:
    return Client(server.url, key="k", retry=RetryPolicy(**policy), sleep=sleeps)


def test_503_with_retry_after_is_waited_for_exactly_then_succeeds() -> None:
    sleeps = Sleeps()
    with ScriptedServer(unavailable("3"), unavailable("1"), OK) as server, \
            client_for(server, sleeps) as api:
        resource = api.get(RECORD["id"])
    assert resource.id == RECORD["id"]
    assert sleeps == [3.0, 1.0]
    assert [seen.path for seen in server.seen] == [f"/api/resources/{RECORD['id']}"] * 3
    assert all(seen.headers["x-functions-key"] == "k" for seen in server.seen)


def test_429_with_an_http_date_retry_after() -> None:
    sleeps = Sleeps()
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    with ScriptedServer(unavailable(when, status=429), OK) as server, \
            client_for(server, sleeps) as api:
        api.get(RECORD["id"])
    assert len(sleeps) == 1 and 27 <= sleeps[0] <= 30


def test_without_retry_after_the_backoff_grows_exponentially_with_jitter() -> None:
    sleeps = Sleeps()
    with ScriptedServer(unavailable(), unavailable(), unavailable(), unavailable(), OK) as server, \
            client_for(server, sleeps, backoff=0.4, attempts=5) as api:
        api.get(RECORD["id"])
    assert len(sleeps) == 4
    for retry, delay in enumerate(sleeps, start=1):
        ceiling = 0.4 * 2 ** (retry - 1)
        assert ceiling / 2 <= delay <= ceiling


def test_attempts_are_bounded_and_the_last_problem_is_raised() -> None:
    sleeps = Sleeps()
    with ScriptedServer(unavailable("1")) as server, \
            client_for(server, sleeps, attempts=3) as api:
        with pytest.raises(ApiError) as caught:
            api.get(RECORD["id"])
    error = caught.value
    assert len(server.seen) == 3 and sleeps == [1.0, 1.0]
    assert (error.status, error.type, error.title) == (503, "/problems/storage-unavailable",
                                                       "Storage unavailable")
    assert error.detail == "The storage service could not be reached."
    assert error.retry_after == 1.0 and error.problem["status"] == 503
    assert str(error) == "503 Storage unavailable: The storage service could not be reached."


def test_a_retry_after_beyond_the_limit_is_not_slept_through() -> None:
    sleeps = Sleeps()
    with ScriptedServer(unavailable("3600"), OK) as server, \
            client_for(server, sleeps, max_retry_after=60) as api:
        with pytest.raises(ApiError) as caught:
            api.get(RECORD["id"])
    assert len(server.seen) == 1 and sleeps == []
    assert caught.value.retry_after == 3600


@pytest.mark.parametrize("status", [400, 404, 409, 412, 500, 502])
def test_other_errors_are_not_retried(status: int) -> None:
    sleeps = Sleeps()
    answer = Answer(status, problem(status, "no", "some-problem"), PROBLEM_HEADERS)
    with ScriptedServer(answer, OK) as server, client_for(server, sleeps) as api:
        with pytest.raises(ApiError) as caught:
            api.get(RECORD["id"])
    assert len(server.seen) == 1 and sleeps == []
    assert caught.value.status == status and caught.value.type == "/problems/some-problem"


def test_the_hosts_empty_401_says_what_to_do() -> None:
    with ScriptedServer(Answer(401)) as server, client_for(server, Sleeps()) as api:
        with pytest.raises(ApiError) as caught:
            api.list()
    assert caught.value.status == 401 and caught.value.title == "Unauthorized"
    assert "ICESURF_API_KEY" in caught.value.detail


def test_an_upload_is_sent_whole_again_on_each_retry(tmp_path: Path) -> None:
    scene = tmp_path / "scene.tif"
    content = bytes(range(256)) * 12_000  # ~3 MiB: several chunks
    scene.write_bytes(content)
    progress: list[tuple[int, int | None]] = []
    sleeps = Sleeps()
    with ScriptedServer(unavailable("0"), CREATED) as server, \
            client_for(server, sleeps) as api:
        api.upload(scene, progress=lambda done, total: progress.append((done, total)))
    digest = hashlib.sha256(content).hexdigest()
    assert [(s.method, s.body_length, s.body_sha256) for s in server.seen] == [
        ("POST", len(content), digest)] * 2
    assert server.seen[0].headers["content-type"] == "image/tiff"
    assert server.seen[0].path == "/api/resources?name=scene.tif"
    assert "transfer-encoding" not in server.seen[0].headers  # the host needs a Content-Length
    # Progress starts over with the second sending and ends at the whole body.
    assert progress[-1] == (len(content), len(content))
    assert all(total == len(content) for _, total in progress)
    assert [done for done, _ in progress].count(len(content)) == 2


def test_upload_with_metadata_is_one_multipart_request(tmp_path: Path) -> None:
    scene = tmp_path / "s.npy"
    scene.write_bytes(b"\x93NUMPY")
    with ScriptedServer(CREATED) as server, client_for(server, Sleeps()) as api:
        api.upload(scene, metadata={"site": "S6"})
    seen = server.seen[0]
    assert seen.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert int(seen.headers["content-length"]) == seen.body_length


def test_connection_refused_is_retried_then_reported() -> None:
    sleeps = Sleeps()
    url = f"http://127.0.0.1:{free_port()}/api"
    with Client(url, retry=RetryPolicy(attempts=3, backoff=0.01), sleep=sleeps) as api:
        with pytest.raises(ApiUnreachable) as caught:
            api.list()
    assert len(sleeps) == 2 and url in str(caught.value)


def test_a_malformed_id_fails_before_any_request() -> None:
    with ScriptedServer(OK) as server, client_for(server, Sleeps()) as api:
        with pytest.raises(ValueError, match="not a resource id"):
            api.get("../health")
    assert server.seen == []


def _digest_header(content: bytes) -> str:
    return f"sha-256=:{base64.b64encode(hashlib.sha256(content).digest()).decode()}:"


def test_a_broken_download_resumes_with_a_range_and_is_verified(tmp_path: Path) -> None:
    content = bytes(range(256)) * 8192  # 2 MiB
    headers = {"Content-Type": "image/tiff", "ETag": '"0xE"',
               "Repr-Digest": _digest_header(content)}
    rest = {"Content-Range": f"bytes 1000000-{len(content) - 1}/{len(content)}", **headers}
    script = (Answer(200, content, headers, cut_after=1_000_000),
              Answer(206, content[1_000_000:], rest))
    progress: list[int] = []
    with ScriptedServer(*script) as server, client_for(server, Sleeps()) as api:
        target = api.download(RECORD["id"], tmp_path / "out.tif",
                              progress=lambda done, total: progress.append(done))
    assert target.read_bytes() == content
    assert "range" not in server.seen[0].headers
    assert server.seen[1].headers["range"] == "bytes=1000000-"
    assert server.seen[1].headers["if-range"] == '"0xE"'
    assert progress[-1] == len(content) and progress == sorted(progress)
    assert not (tmp_path / "out.tif.part").exists()


def test_a_corrupt_download_is_refused_and_leaves_no_file(tmp_path: Path) -> None:
    content = b"scene bytes"
    headers = {"Content-Type": "image/tiff", "ETag": '"0xE"',
               "Repr-Digest": _digest_header(b"other bytes")}
    with ScriptedServer(Answer(200, content, headers)) as server, \
            client_for(server, Sleeps()) as api:
        with pytest.raises(IceSurfError, match="corrupt"):
            api.download(str(uuid.uuid4()), tmp_path / "out.tif")
    assert list(tmp_path.iterdir()) == []
