"""The function app served by the local Functions host (``python -m devserver``) in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Mapping

from tools.processes import stop_process_group
from tools.ports import free_port, wait_for_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class AppHost:
    """``python -m devserver`` on a free loopback port, serving ``app_root`` with ``env`` added.

    The environment is the test process's, minus the app's own settings (so a developer's shell
    cannot leak into a test), plus ``env``. Output goes to ``log_path`` for assertions on logs.
    """

    def __init__(self, env: Mapping[str, str] | None = None, *, app_root: Path = PROJECT_ROOT,
                 extra_args: tuple[str, ...] = (), python: str = sys.executable,
                 settings_file: Path | None = None) -> None:
        self.env = dict(env or {})
        self.app_root = Path(app_root)
        self.extra_args = extra_args
        self.python = python
        self.settings_file = settings_file
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self._logdir = tempfile.TemporaryDirectory(prefix="apphost-")
        self.log_path = Path(self._logdir.name) / "host.log"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def start(self, timeout: float = 60.0) -> "AppHost":
        from shared.settings import SETTINGS

        env = {k: v for k, v in os.environ.items() if k not in {s.name for s in SETTINGS}}
        env.update(self.env)
        env.setdefault("PYTHONUNBUFFERED", "1")
        settings = self.settings_file or Path(self._logdir.name) / "no-local-settings.json"
        args = [self.python, "-m", "devserver", "--app-root", str(self.app_root),
                "--host", "127.0.0.1", "--port", str(self.port), "--settings", str(settings),
                *self.extra_args]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(args, cwd=PROJECT_ROOT, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        start_new_session=True)
        log.close()
        try:
            wait_for_port(self.port, timeout, alive=lambda: self.process.poll() is None)
        except Exception as exc:
            raise RuntimeError(f"local host failed to start:\n{self.logs()}") from exc
        return self

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        stop_process_group(self.process, grace_seconds=15)
        self.process = None

    def close(self) -> None:
        self.stop()
        self._logdir.cleanup()

    def __enter__(self) -> "AppHost":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
