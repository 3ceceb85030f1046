"""GET /api/models: model names, their versions and the current one; GET /api/models/current
[?sensor=micasense|sentinel2]: the model card (manifest) of the model this instance serves."""
import azure.functions as func

from shared.http import endpoint, json_response
from shared.model_registry import MODEL_NAMES, catalogue, current_model
from shared.problems import Problem
from shared.settings import get_settings

NO_STORE = {"Cache-Control": "no-store"}


@endpoint
def main(req: func.HttpRequest) -> func.HttpResponse:
    item = req.route_params.get("item")
    unknown = sorted(set(req.params) - {"sensor", "code"})
    if unknown:
        raise _invalid(unknown[0], f"Unknown query parameter(s): {', '.join(unknown)}; only "
                                   f"sensor is accepted.")
    if item is None:
        return json_response({"models": catalogue()}, headers=NO_STORE)
    if item != "current":
        raise Problem(404, f"There is no models resource {item!r}: use /api/models or "
                           f"/api/models/current.", slug="not-found")
    sensor = req.params.get("sensor") or get_settings().default_sensor
    if sensor not in MODEL_NAMES:
        raise _invalid("sensor", f"sensor must be one of {', '.join(MODEL_NAMES)}; got {sensor!r}.")
    model = current_model(sensor)
    return json_response(dict(model.manifest), headers={**NO_STORE, "ETag": f'"{model.sha256}"'})


def _invalid(parameter: str, detail: str) -> Problem:
    return Problem(400, detail, slug="invalid-parameter", title="Invalid parameter",
                   extra={"parameter": parameter})
