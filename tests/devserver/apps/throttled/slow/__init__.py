"""Holds its execution slot for ?ms= milliseconds and reports when it ran."""
import json
import time

import azure.functions as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    started = time.time()
    time.sleep(int(req.params.get("ms", "300")) / 1000)
    return func.HttpResponse(json.dumps({"started": started, "ended": time.time()}),
                             mimetype="application/json")
