"""Runs past the app's functionTimeout (1 s)."""
import time

import azure.functions as func


def main(req: func.HttpRequest) -> func.HttpResponse:
    time.sleep(3)
    return func.HttpResponse("too late")
