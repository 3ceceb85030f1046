"""Fails at import, like a function whose dependency is missing: the host must still start."""
import azure.functions as func

raise ImportError("fixture: a dependency of broken_import is missing")


def main(req: func.HttpRequest) -> func.HttpResponse:  # pragma: no cover - never imported
    return func.HttpResponse("unreachable")
