"""The health report: app version, storage reachability and credential path (never a secret)."""
from __future__ import annotations

from typing import Any

from azure.core.exceptions import AzureError

from shared import __version__
from shared.settings import SettingsError
from shared.storage_clients import blob_service, credential_source


def health_report() -> tuple[bool, dict[str, Any]]:
    """(healthy, report). Healthy means storage answered an authenticated request."""
    report: dict[str, Any] = {"version": __version__}
    try:
        report["credential_source"] = credential_source()
        blob_service().get_account_information()
        report["storage"] = {"status": "ok"}
    except SettingsError as exc:
        report["storage"] = {"status": "misconfigured", "detail": str(exc)}
    except AzureError as exc:
        report["storage"] = {"status": "unreachable", "error": type(exc).__name__}
    healthy = report["storage"]["status"] == "ok"
    report["status"] = "ok" if healthy else "unavailable"
    return healthy, report
