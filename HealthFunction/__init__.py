"""GET /api/health: 200 when the app and its storage answer, 503 otherwise (anonymous)."""
import azure.functions as func

from shared.health import health_report
from shared.http import endpoint, json_response, retry_after_headers


@endpoint
def main(req: func.HttpRequest) -> func.HttpResponse:
    healthy, report = health_report()
    headers = {"Cache-Control": "no-store"}
    if not healthy:
        headers.update(retry_after_headers())
    return json_response(report, status=200 if healthy else 503, headers=headers)
