"""The command line against the running app: outputs, files and the documented exit codes.

Most runs call ``icesurf.cli.main`` in this process (fast); a few run ``python -m icesurf`` as a
user would, to check the entry point and what reaches the terminal.
"""
from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from icesurf.cli import main
from tests.client.conftest import npy_scene
from tests.client.scripted_server import PROBLEM_HEADERS, Answer, ScriptedServer, problem
from tests.support.apphost import PROJECT_ROOT, AppHost
from tests.support.ports import free_port


def run(capsys: pytest.CaptureFixture, url: str, *argv: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of one command in this process."""
    try:
        code = main(["--url", url, "--retries", "2", *argv])
    except SystemExit as exit_:  # argparse usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def url(store_app: AppHost) -> str:
    return store_app.base_url + "/api"


def test_a_scene_s_whole_life_from_the_command_line(capsys, url: str, tmp_path: Path) -> None:
    scene = tmp_path / "site S6.npy"
    scene.write_bytes(npy_scene())
    code, out, _ = run(capsys, url, "upload", str(scene), "--meta", "site=S6", "--json")
    assert code == 0
    record = json.loads(out)
    assert record["name"] == "site S6.npy" and record["metadata"] == {"site": "S6"}
    rid = record["id"]

    code, out, _ = run(capsys, url, "list")
    assert code == 0
    assert any(line.startswith(rid) and line.endswith("site S6.npy") for line in out.splitlines())

    code, out, _ = run(capsys, url, "get", rid)
    fields = dict(line.split(None, 1) for line in out.splitlines())
    assert code == 0 and fields["id"] == rid and fields["metadata"] == "site=S6"

    code, out, _ = run(capsys, url, "update", rid, "--name", "s6.npy", "--meta", "day=183",
                       "--unset", "site", "--json")
    assert code == 0 and json.loads(out)["metadata"] == {"day": "183"}

    code, out, _ = run(capsys, url, "download", rid, "-o", str(tmp_path / "copy.npy"))
    assert code == 0 and (tmp_path / "copy.npy").read_bytes() == scene.read_bytes()

    code, _, err = run(capsys, url, "delete", rid)
    assert code == 0 and "deleted" in err
    code, _, err = run(capsys, url, "get", rid)
    assert code == 3
    assert "404 Not Found: There is no resource" in err and "/problems/resource-not-found" in err


@pytest.mark.parametrize("argv, expected", [
    (["get", "not-a-uuid"], 2),                         # malformed argument: usage
    (["frobnicate"], 2),                                # unknown command: usage
    (["upload", "/no/such/scene.tif"], 5),              # local file
    (["update", "0190e0a4-7e3c-7000-8000-000000000001"], 2),  # nothing to update
    (["list", "--limit", "0"], 2),
    (["get", str(uuid.uuid4())], 3),                    # API 4xx
])
def test_exit_codes(capsys, url: str, argv: list[str], expected: int) -> None:
    code, _, err = run(capsys, url, *argv)
    assert code == expected, err
    assert err.strip()  # something says why


def test_unreachable_api_exits_4(capsys) -> None:
    code, _, err = run(capsys, f"http://127.0.0.1:{free_port()}/api", "list")
    assert code == 4 and "could not reach the IceSurf API" in err


def test_retries_are_announced_and_a_5xx_exits_4(capsys) -> None:
    busy = Answer(503, problem(503, "Storage is down.", "storage-unavailable"),
                  {**PROBLEM_HEADERS, "Retry-After": "0"})
    with ScriptedServer(busy) as server:
        code, _, err = run(capsys, server.url, "list")
    assert code == 4 and len(server.seen) == 2
    assert "retrying in 0.0 s (attempt 2 of 2)" in err
    assert "503 Storage unavailable: Storage is down." in err


def test_the_entry_point_as_a_user_runs_it(url: str, tmp_path: Path) -> None:
    """``python -m icesurf``, configured by the environment as the docs say."""
    env = {"PATH": "/usr/bin:/bin", "ICESURF_API_URL": url, "HOME": str(tmp_path)}
    health = subprocess.run([sys.executable, "-m", "icesurf", "health"], cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert health.returncode == 0, health.stderr
    assert "status       ok" in health.stdout
    usage = subprocess.run([sys.executable, "-m", "icesurf"], cwd=PROJECT_ROOT, env=env,
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "classify" in usage.stderr
