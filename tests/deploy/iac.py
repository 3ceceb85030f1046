"""The IaC linters' virtualenv (.venv-iac/, built by `make setup` from requirements-iac.txt).

checkov pins many packages that clash with the app's, so the linters live in their own venv and
tests drive them as subprocesses. Their absence is a failure with the fix in the message, not a
skip: `make test` always builds the venv first.
"""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]
IAC_BIN = PROJECT_ROOT / ".venv-iac" / "bin"
INFRA = PROJECT_ROOT / "infra"
K8S = INFRA / "k8s"


def iac_tool(name: str) -> str:
    """Path of a tool in the IaC venv, or an assertion error that says how to get it."""
    tool = IAC_BIN / name
    assert tool.exists(), f"{tool} is missing: run 'make setup' (builds .venv-iac from requirements-iac.txt)"
    return str(tool)


def run_tool(name: str, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run an IaC tool from the project root, offline, capturing its output."""
    return subprocess.run([iac_tool(name), *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


_PARSE_BICEP = """
import json, pathlib, sys
from pycep import BicepParser
out = {}
for name in sys.argv[1:]:
    out[name] = BicepParser().parse(file_path=pathlib.Path(name))
print(json.dumps(out, default=str))
"""


def bicep_files() -> list[Path]:
    return sorted(INFRA.rglob("*.bicep"))


def parse_bicep() -> dict[str, dict[str, Any]]:
    """Every Bicep file parsed by pycep (checkov's Bicep parser): {path relative to infra/: document}.

    A syntax error fails here with the parser's message, so the checks that follow never run on
    files checkov silently could not read.
    """
    names = [str(path.relative_to(INFRA)) for path in bicep_files()]
    result = subprocess.run([iac_tool("python"), "-c", _PARSE_BICEP, *names], cwd=INFRA,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"Bicep does not parse:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout)


def k8s_manifests() -> list[Path]:
    """The Kubernetes resources (kustomization.yaml is kustomize's own file, not a resource)."""
    return sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
