"""Azurite (the real Blob Storage emulator, from the project's npm lock) as a managed process."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from tools.processes import stop_process_group
from tools.ports import free_port, wait_for_port

PROJECT_ROOT = Path(__file__).resolve().parents[1]
AZURITE_BIN = PROJECT_ROOT / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT = "devstoreaccount1"
# Azurite's published well-known development key (not a secret).
ACCOUNT_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")


class Azurite:
    """One Azurite blob service on a free loopback port, with data in its own folder.

    ``stop()`` and ``start()`` may be called again to simulate an outage: the port and the data
    folder are kept, so every acknowledged write must still be there after the restart.
    """

    def __init__(self, location: Path | None = None, port: int | None = None,
                 extra_args: tuple[str, ...] = ()) -> None:
        self.extra_args = extra_args  # e.g. --cert/--key/--oauth basic (identity-based access)
        self._tmp = None if location else tempfile.TemporaryDirectory(prefix="azurite-")
        self.location = Path(location or self._tmp.name)
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = self.location / "azurite.log"

    @property
    def blob_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};"
                f"BlobEndpoint={self.blob_endpoint};")

    def start(self, timeout: float = 30.0) -> "Azurite":
        if not AZURITE_BIN.exists():
            raise RuntimeError(f"{AZURITE_BIN} is missing: run 'make setup' (npm ci) first")
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(AZURITE_BIN), "--blobHost", "127.0.0.1", "--blobPort", str(self.port),
             "--location", str(self.location), "--skipApiVersionCheck", "--disableTelemetry",
             "--silent", *self.extra_args],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        log.close()
        wait_for_port(self.port, timeout, alive=lambda: self.process.poll() is None)
        return self

    def stop(self) -> None:
        stop_process_group(self.process, grace_seconds=10)
        self.process = None

    def close(self) -> None:
        self.stop()
        if self._tmp:
            self._tmp.cleanup()

    def __enter__(self) -> "Azurite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
