"""Entry points of the outcome-table fixtures: each returns or raises one kind of thing."""
import asyncio
import json
import logging
import os
import threading
import time

import azure.functions as func


def raises(req: func.HttpRequest) -> func.HttpResponse:
    raise ValueError("fixture failure")


def returns_none(req: func.HttpRequest):
    return None


def returns_str(req: func.HttpRequest):
    return "plain text"


def returns_bytes(req: func.HttpRequest):
    return b"raw bytes"


def no_output(req: func.HttpRequest) -> None:
    logging.getLogger("fixture").info("no_output ran")


def named_output(req: func.HttpRequest, res: func.Out[func.HttpResponse]) -> None:
    if req.params.get("set") == "yes":
        res.set(func.HttpResponse("set through Out", status_code=201))


def response(req: func.HttpRequest) -> func.HttpResponse:
    """A response shaped by the query: ?kind=default|json|explicit|cookies|status."""
    kind = req.params.get("kind", "default")
    if kind == "json":
        return func.HttpResponse('{"a": 1}', mimetype="application/json")
    if kind == "explicit":
        return func.HttpResponse("x", headers={"Content-Type": "image/png"}, mimetype="text/html")
    if kind == "cookies":
        response = func.HttpResponse("cookies")
        response.headers.add_header("Set-Cookie", "a=1; Path=/")
        response.headers.add_header("Set-Cookie", "b=2; Path=/")
        return response
    if kind == "status":
        return func.HttpResponse(status_code=418, headers={"X-Fixture": "teapot"})
    if kind == "html":
        return func.HttpResponse("<p>hi</p>", mimetype="text/html", charset="latin-1")
    return func.HttpResponse("default")


async def async_echo(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(0)
    return func.HttpResponse(threading.current_thread().name)


def sleepy(req: func.HttpRequest) -> func.HttpResponse:
    """Sleep ?ms= milliseconds; report the thread and the start/end times."""
    started = time.time()
    time.sleep(int(req.params.get("ms", "0")) / 1000)
    return func.HttpResponse(json.dumps({"thread": threading.current_thread().name,
                                         "started": started, "ended": time.time()}),
                             mimetype="application/json")


def context_info(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"invocation_id": context.invocation_id,
                                         "function_name": context.function_name,
                                         "function_directory": context.function_directory}),
                             mimetype="application/json")


def settings_view(req: func.HttpRequest) -> func.HttpResponse:
    """The environment values named in ?names=a,b (None when unset)."""
    names = [name for name in req.params.get("names", "").split(",") if name]
    return func.HttpResponse(json.dumps({name: os.environ.get(name) for name in names}),
                             mimetype="application/json")


def wrong_params(request: func.HttpRequest) -> func.HttpResponse:  # binding is named "req"
    return func.HttpResponse("unreachable")


def mirror(req: func.HttpRequest) -> func.HttpResponse:
    """POST: the body back (same bytes object); GET ?n=: n zero bytes."""
    if req.method == "POST":
        return func.HttpResponse(req.get_body(), mimetype="application/octet-stream")
    return func.HttpResponse(bytes(int(req.params["n"])), mimetype="application/octet-stream")
