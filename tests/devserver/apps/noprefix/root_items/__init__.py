"""An item route served without a route prefix."""
import azure.functions as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(req.route_params["id"])
