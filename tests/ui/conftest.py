"""Fixtures of the page's tests: the app with function keys on (so the page must send the key the
user types), and headless Chromium driven by Playwright.

The browser is Debian's ``/usr/bin/chromium`` (installed by scripts/install-browser.sh, which
``make setup`` runs), never Playwright's own download. Without it the browser tests skip, saying
so. Screenshots are kept under ``artifacts/ui/`` (git-ignored) as test artifacts.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest

from tests.support.apphost import PROJECT_ROOT, AppHost
from tests.support.azurite import Azurite

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
FUNCTION_KEY = "ui-test-function-key"
ARTIFACTS = PROJECT_ROOT / "artifacts" / "ui"


@pytest.fixture(scope="session")
def keyed_app(azurite: Azurite, model_dir: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[AppHost]:
    secrets = tmp_path_factory.mktemp("ui-secrets")
    (secrets / "host.json").write_text(json.dumps({
        "masterKey": {"name": "master", "value": "ui-test-master-key", "encrypted": False},
        "functionKeys": [{"name": "default", "value": FUNCTION_KEY, "encrypted": False}]}))
    env = {"STORAGE_CONNECTION_STRING": azurite.connection_string,
           "MODEL_LOCAL_DIR": str(model_dir),
           "AzureWebJobsSecretStorageType": "files", "FUNCTIONS_SECRETS_PATH": str(secrets)}
    with AppHost(env, extra_args=("--enable-auth",)) as host:
        yield host


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run scripts/install-browser.sh (make setup)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture()
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
