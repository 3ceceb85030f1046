"""Echoes what the host handed to the function, so tests can check the request mapping."""
import hashlib
import json
import os
import sys
import threading

import azure.functions as func
from fixture_helpers import shout

from . import sibling


def main(req: func.HttpRequest) -> func.HttpResponse:
    body = req.get_body()
    document = {
        "method": req.method,
        "url": req.url,
        "headers": dict(req.headers),
        "params": dict(req.params),
        "route_params": dict(req.route_params),
        "body_type": type(body).__name__,
        "body_length": len(body),
        "body_sha256": hashlib.sha256(body).hexdigest(),
        "module": __name__,
        "thread": threading.current_thread().name,
        "cwd": os.getcwd(),
        "app_root_on_path": os.getcwd() in sys.path,
        "helper": shout("ok"),
        "sibling": sibling.GREETING,
    }
    return func.HttpResponse(json.dumps(document), mimetype="application/json")
