"""Static checks with registry packages: hadolint, kubernetes-validate, checkov and shellcheck.

checkov must report no failed check on infra/ (Bicep), the Kubernetes manifests and the
Dockerfile; every check it skips must carry a justification in its skip comment.
"""
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.deploy.iac import PROJECT_ROOT, bicep_files, k8s_manifests, run_tool

MIN_JUSTIFICATION_WORDS = 4


def test_dockerfile_passes_hadolint() -> None:
    result = run_tool("hadolint", "--no-color", "Dockerfile")
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_deploy_scripts_pass_shellcheck() -> None:
    scripts = sorted(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "scripts").glob("*.sh"))
    assert {"scripts/deploy.sh", "scripts/teardown.sh"} <= set(scripts)
    result = run_tool("shellcheck", "--severity=style", *scripts)
    assert result.returncode == 0, result.stdout + result.stderr


def test_kubernetes_manifests_validate_strictly() -> None:
    manifests = [str(p.relative_to(PROJECT_ROOT)) for p in k8s_manifests()]
    assert {"deployment.yaml", "service.yaml", "hpa.yaml", "configmap.yaml"} <= {
        p.rsplit("/", 1)[-1] for p in manifests}
    result = run_tool("kubernetes-validate", "--strict", *manifests)
    assert result.returncode == 0, result.stdout + result.stderr
    for manifest in manifests:
        assert f"{manifest} passed" in result.stdout, f"{manifest} was not validated:\n{result.stdout}"


def test_every_bicep_file_parses(bicep: dict[str, dict[str, Any]]) -> None:
    assert set(bicep) == {str(p.relative_to(PROJECT_ROOT / "infra")) for p in bicep_files()}
    assert all(doc.get("resources") or doc.get("modules") for doc in bicep.values())


def _checkov(*args: str) -> list[dict[str, Any]]:
    result = run_tool("checkov", *args, "--output", "json", "--skip-download", "--compact")
    assert result.returncode in (0, 1), result.stderr[-3000:]
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


@pytest.fixture(scope="module")
def checkov_reports() -> dict[str, dict[str, Any]]:
    """checkov's reports by framework: Bicep and Kubernetes under infra/, and the Dockerfile."""
    reports = _checkov("--directory", "infra", "--framework", "bicep", "kubernetes")
    reports += _checkov("--file", "Dockerfile", "--framework", "dockerfile")
    return {report["check_type"]: report for report in reports}


@pytest.mark.parametrize("framework", ["bicep", "kubernetes", "dockerfile"])
def test_checkov_finds_no_failed_check(checkov_reports: dict[str, dict[str, Any]],
                                       framework: str) -> None:
    report = checkov_reports[framework]
    summary = report["summary"]
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
              for c in report["results"]["failed_checks"]]
    assert summary["failed"] == 0, "\n".join(failed)
    assert summary["parsing_errors"] == 0, report["results"]["parsing_errors"]
    assert summary["passed"] > 0 and summary["resource_count"] > 0


def test_every_skipped_check_is_justified(checkov_reports: dict[str, dict[str, Any]]) -> None:
    skipped = [check for report in checkov_reports.values()
               for check in report["results"]["skipped_checks"]]
    assert skipped, "expected the documented skips (root image, no VNet, ...)"
    unjustified = [f"{c['check_id']} in {c['file_path']}" for c in skipped
                   if len((c["check_result"].get("suppress_comment") or "").split())
                   < MIN_JUSTIFICATION_WORDS]
    assert not unjustified, f"skips without a reason: {unjustified}"
