"""Every setting the code reads (shared.settings.SETTINGS) is set by the Bicep, present in
local.settings.json.example and the AKS ConfigMap, and documented in the README's settings table."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest

from shared.settings import SETTINGS
from tests.deploy.iac import K8S, PROJECT_ROOT

SETTING_NAMES = sorted(spec.name for spec in SETTINGS)
HOST_SETTINGS = {  # what the Functions host itself needs in Azure
    "FUNCTIONS_EXTENSION_VERSION": "~4",
    "FUNCTIONS_WORKER_RUNTIME": "python",
    "WEBSITES_ENABLE_APP_SERVICE_STORAGE": "false",
}


def _app_settings_vars(bicep: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: var["value"] for name, var in
            bicep["modules/appsettings.bicep"]["variables"].items()
            if isinstance(var.get("value"), dict) and not var["value"].keys() & {"operator", "function"}}


def test_bicep_sets_every_setting_and_no_stale_one(bicep: dict[str, dict[str, Any]]) -> None:
    application = _app_settings_vars(bicep)["applicationSettings"]
    assert sorted(application) == SETTING_NAMES


def test_bicep_sets_the_host_settings(bicep: dict[str, dict[str, Any]]) -> None:
    module = bicep["modules/appsettings.bicep"]
    settings = _app_settings_vars(bicep)
    assert settings["hostSettings"].items() >= HOST_SETTINGS.items()
    assert "APPLICATIONINSIGHTS_CONNECTION_STRING" in settings["hostSettings"]
    host_storage = str(module["variables"]["hostStorageSettings"])
    assert "AzureWebJobsStorage__accountName" in host_storage  # identity access
    assert "@Microsoft.KeyVault(VaultName=" in host_storage  # Key Vault access
    written = module["resources"]["appSettings"]["config"]
    assert written["name"] == "appsettings"
    assert all(var in str(written["properties"])
               for var in ("hostSettings", "hostStorageSettings", "applicationSettings"))


def test_local_settings_example_has_every_setting() -> None:
    values = json.loads((PROJECT_ROOT / "local.settings.json.example").read_text())["Values"]
    assert not set(SETTING_NAMES) - set(values)
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"


def test_kubernetes_config_map_has_every_setting() -> None:
    text = (K8S / "configmap.yaml").read_text()
    keys = set(re.findall(r"^  ([A-Za-z_][A-Za-z0-9_]*):", text, re.M))
    assert not set(SETTING_NAMES) - keys
    assert "STORAGE_CONNECTION_STRING: \"\"" in text  # no secret in a ConfigMap


@pytest.mark.parametrize("name", SETTING_NAMES)
def test_readme_documents_every_setting(name: str) -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.lstrip().startswith("|")]
    assert any(re.search(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])", row) for row in rows), (
        f"README.md has no settings-table row for {name} (the table text is generated in "
        f"docs/deployment.md, 'Settings table')")
