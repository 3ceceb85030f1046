"""POST /api/classify[/{id}]: classify an uploaded scene, or a stored one (contract: docs/classify.md)."""
import azure.functions as func

from shared.classify_api import classify_stored, classify_upload
from shared.http import endpoint


@endpoint
def main(req: func.HttpRequest) -> func.HttpResponse:
    scene_id = req.route_params.get("id")
    if scene_id is None:
        return classify_upload(req)
    return classify_stored(req, scene_id)
