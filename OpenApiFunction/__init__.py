"""GET /api/openapi.json: the OpenAPI 3.1 document of the whole API (anonymous)."""
import azure.functions as func

from shared.http import endpoint, json_response
from shared.openapi import openapi_document


@endpoint
def main(req: func.HttpRequest) -> func.HttpResponse:
    # The document's server is the route prefix this request came through (e.g. /api).
    path = "/" + req.url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    server = path[:path.lower().rindex("/openapi.json")] or "/"
    return json_response(openapi_document(server), headers={"Cache-Control": "public, max-age=300"})
