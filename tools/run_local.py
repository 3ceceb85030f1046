"""``make run``: the whole app on this machine, on embedded defaults.

1. ``local.settings.json`` is created from ``local.settings.json.example`` when missing;
2. Azurite listens on 127.0.0.1:10000 (what ``UseDevelopmentStorage=true`` means) with its data in
   ``.azurite/`` (an Azurite already listening there is reused);
3. the default models are trained (cached after the first run) and published into the blob model
   registry, so the first classification works;
4. the local Functions host serves the app on http://localhost:7071/api until Ctrl-C.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from devserver.localsettings import apply_to_environment, read_local_settings
from tools.azurite import Azurite

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SETTINGS_FILE = PROJECT_ROOT / "local.settings.json"
AZURITE_PORT = 10000


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # stop Azurite and the host on SIGTERM as on Ctrl-C
    if not SETTINGS_FILE.exists():
        shutil.copy(PROJECT_ROOT / "local.settings.json.example", SETTINGS_FILE)
        print(f"created {SETTINGS_FILE.name} from the example")
    settings = read_local_settings(SETTINGS_FILE)
    apply_to_environment(settings.values, os.environ)  # what the host will do, for the publisher

    azurite = None
    if _listening(AZURITE_PORT):
        print(f"Azurite (or something) already listens on 127.0.0.1:{AZURITE_PORT}; reusing it")
    else:
        data = PROJECT_ROOT / ".azurite"
        data.mkdir(exist_ok=True)
        azurite = Azurite(location=data, port=AZURITE_PORT).start()
        print(f"Azurite blob service: http://127.0.0.1:{AZURITE_PORT} (data in .azurite/)")
    host = None
    try:
        from tools.models import publish_default_models
        from tools.train import train_default_models

        print("training the default models (cached after the first run)...", flush=True)
        artifacts = PROJECT_ROOT / ".cache" / "default-models"
        train_default_models(artifacts)
        for name, version in publish_default_models(artifacts, activate=True):
            print(f"model {name} {version} published and active")
        port = str(settings.local_http_port or 7071)
        host = subprocess.Popen([sys.executable, "-m", "devserver", "--port", port,
                                 "--settings", str(SETTINGS_FILE)], cwd=PROJECT_ROOT)
        print(f"\nIceSurf API: http://localhost:{port}/api   (try it: http://localhost:{port}/api/ui)"
              f"\nCtrl-C stops the host and Azurite.\n", flush=True)
        return host.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if host and host.poll() is None:
            host.send_signal(signal.SIGINT)
            host.wait(timeout=15)
        if azurite:
            azurite.stop()


if __name__ == "__main__":
    sys.exit(main())
