"""The health report: app version, storage reachability, the credential path in use, the Key
Vault secrets as cached (name, version, age, fresh/stale: never a value) and the served models.

``status`` is ``ok``, ``degraded`` (still serving, but a cached secret is stale because the vault
could not be read, or the last model load failed) or ``unavailable`` (storage does not answer).
Only ``unavailable`` is unhealthy (503): a degraded instance still serves its requests.
Asking for health never loads a model or reads a secret that was not needed yet.
"""
from __future__ import annotations

from typing import Any

from azure.core.exceptions import AzureError, HttpResponseError

from shared import __version__
from shared.http import DependencyUnavailable
from shared.model_registry import model_status
from shared.secrets import secrets_status
from shared.settings import SettingsError
from shared.storage_clients import credential_source, run_with_storage


def _storage_status() -> dict[str, Any]:
    try:
        run_with_storage(lambda svc: svc.get_account_information())
        return {"status": "ok"}
    except SettingsError as exc:
        return {"status": "misconfigured", "detail": str(exc)}
    except DependencyUnavailable as exc:
        return {"status": "unreachable", "dependency": exc.what}
    except HttpResponseError as exc:
        return {"status": "unreachable", "error": type(exc).__name__, "http_status": exc.status_code}
    except AzureError as exc:
        return {"status": "unreachable", "error": type(exc).__name__}


def health_report() -> tuple[bool, dict[str, Any]]:
    """(healthy, report). Healthy means storage answered an authenticated request."""
    report: dict[str, Any] = {"version": __version__}
    try:
        report["credential_source"] = credential_source()
    except SettingsError:
        report["credential_source"] = None
    report["storage"] = _storage_status()
    vault = secrets_status()
    if vault is not None:
        report["key_vault"] = vault
    try:
        report["models"] = model_status()
    except SettingsError as exc:
        report["models"] = {"status": "misconfigured", "detail": str(exc)}
    healthy = report["storage"]["status"] == "ok"
    degraded = (any(secret["state"] == "stale" for secret in (vault or {}).get("secrets", ()))
                or any(model["last_error"] for model in report["models"].get("models", ())))
    report["status"] = "unavailable" if not healthy else ("degraded" if degraded else "ok")
    return healthy, report
