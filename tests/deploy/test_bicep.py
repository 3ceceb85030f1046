"""What the Bicep compiler would catch and what the deployment promises, checked without Azure.

No Bicep compiler can be installed here, so module wiring is checked on pycep's parse: every
module call passes exactly the parameters the module declares, every output read exists. Then the
promises of the deployment: described parameters, names from one token, the built-in role ids,
managed-identity image pulls, the base URL among the outputs.
"""
from __future__ import annotations

import posixpath
import re
from typing import Any

from tests.deploy.iac import INFRA

# Built-in role definition ids (functions-host.md §5.2, step 8; Azure built-in roles reference).
BUILT_IN_ROLES = {
    "acrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
    "keyVaultSecretsUser": "4633458b-17de-408a-b874-0445c86b69e6",
    "storageBlobDataContributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
    "storageBlobDataOwner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
}


def _module_calls(bicep: dict[str, dict[str, Any]]):
    """(calling file, module name, module file, params passed) for every local module call."""
    for caller, doc in bicep.items():
        for name, module in doc.get("modules", {}).items():
            target = posixpath.normpath(posixpath.join(posixpath.dirname(caller),
                                                       module["detail"]["path"]))
            config = module["config"]
            config = config.get("config", config)  # conditional module: {condition, config}
            yield caller, name, target, config.get("params", {})


def test_module_calls_match_module_parameters(bicep: dict[str, dict[str, Any]]) -> None:
    calls = list(_module_calls(bicep))
    assert len(calls) >= 8
    for caller, name, target, params in calls:
        assert target in bicep, f"{caller}: module {name} points to missing {target}"
        declared = bicep[target].get("parameters", {})
        required = {p for p, spec in declared.items() if "default" not in spec}
        assert set(params) <= set(declared), \
            f"{caller}: module {name} passes unknown {sorted(set(params) - set(declared))}"
        assert required <= set(params), \
            f"{caller}: module {name} misses required {sorted(required - set(params))}"


def test_module_outputs_read_by_main_exist(bicep: dict[str, dict[str, Any]]) -> None:
    modules = {name: target for caller, name, target, _ in _module_calls(bicep)
               if caller == "main.bicep"}
    text = (INFRA / "main.bicep").read_text()
    reads = set(re.findall(r"\b(\w+)\.outputs\.(\w+)", text))
    assert reads
    for module, output in reads:
        assert output in bicep[modules[module]].get("outputs", {}), f"{module}.outputs.{output}"


def test_every_parameter_is_described(bicep: dict[str, dict[str, Any]]) -> None:
    undescribed = [f"{path}: {name}" for path, doc in bicep.items()
                   for name, spec in doc.get("parameters", {}).items()
                   if not any(d["type"] == "description" and d["argument"].strip()
                              for d in spec["decorators"])]
    assert not undescribed


def test_names_derive_from_one_token(bicep: dict[str, dict[str, Any]]) -> None:
    text = (INFRA / "main.bicep").read_text()
    assert text.count("uniqueString(") == 1
    token = bicep["main.bicep"]["variables"]["resourceToken"]["value"]["function"]
    assert "environmentName" in str(token) and "subscription" in str(token)
    names = re.findall(r"^\s*(?:name|\w+Name): '(\$\{abbrs\.\w+\}[^']*)'", text, re.M)
    assert len(names) >= 7
    assert all("${resourceToken}" in n or "${environmentName}" in n for n in names), names


def test_role_assignments_use_the_built_in_role_ids(bicep: dict[str, dict[str, Any]]) -> None:
    roles = bicep["modules/roles.bicep"]
    assert roles["variables"]["roleIds"]["value"] == BUILT_IN_ROLES
    text = (INFRA / "modules" / "roles.bicep").read_text()
    for role in ("acrPull", "keyVaultSecretsUser", "storageBlobDataContributor"):
        assert f"roleIds.{role})" in text, f"no assignment of {role}"
    assignments = [r for r in roles["resources"].values()
                   if r["type"] == "Microsoft.Authorization/roleAssignments"]
    assert len(assignments) >= 3


def test_function_app_pulls_its_image_with_its_own_identity(bicep: dict[str, dict[str, Any]]) -> None:
    site = bicep["modules/functionapp.bicep"]["resources"]["site"]["config"]
    assert site["identity"] == {"type": "SystemAssigned"}
    assert site["kind"] == "functionapp,linux,container"
    config = site["properties"]["siteConfig"]
    assert config["acrUseManagedIdentityCreds"] is True
    assert config["linuxFxVersion"].startswith("DOCKER|")
    assert config["healthCheckPath"] == "/api/health"
    assert site["properties"]["httpsOnly"] is True


def test_premium_plan_defaults_and_scale_parameters(bicep: dict[str, dict[str, Any]]) -> None:
    params = bicep["main.bicep"]["parameters"]
    assert params["planSku"]["default"] == "EP1"
    assert {"minimumInstances", "maximumInstances"} <= set(params)
    plan = bicep["modules/plan.bicep"]["resources"]["plan"]["config"]
    assert plan["kind"] == "elastic" and plan["properties"]["reserved"] is True
    assert plan["sku"]["tier"] == "ElasticPremium"


def test_shared_key_access_is_off_with_identity_access(bicep: dict[str, dict[str, Any]]) -> None:
    storage_call = bicep["main.bicep"]["modules"]["storage"]["config"]["params"]
    assert storage_call["allowSharedKeyAccess"] == {
        "operator": {"type": "equals", "operands": {"operand_1": "storageAccess",
                                                     "operand_2": "keyvault"}}}
    vault = bicep["modules/keyvault.bicep"]["resources"]["vault"]["config"]["properties"]
    assert vault["enableRbacAuthorization"] is True


def test_outputs_include_the_function_base_url(bicep: dict[str, dict[str, Any]]) -> None:
    outputs = bicep["main.bicep"]["outputs"]
    assert {"FUNCTION_BASE_URL", "FUNCTION_APP_NAME", "AZURE_CONTAINER_REGISTRY_NAME",
            "AZURE_STORAGE_BLOB_ENDPOINT", "AZURE_RESOURCE_GROUP"} <= set(outputs)
    base_url = bicep["modules/functionapp.bicep"]["outputs"]["baseUrl"]["value"]
    assert base_url.startswith("https://") and base_url.endswith("/api")
