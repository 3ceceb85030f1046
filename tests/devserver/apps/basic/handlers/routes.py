"""Entry points of the routing fixtures (several function folders share this script file)."""
import json

import azure.functions as func


def show_route(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(dict(req.route_params)), mimetype="application/json")


def which(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    """Which function answered (the host passes the function name in the context)."""
    return func.HttpResponse(context.function_name)
