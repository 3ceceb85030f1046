"""GET /api/ui[/{asset}]: the page to try the API in a browser (anonymous; the page itself sends
the function key the user types to the keyed routes). Assets: UiFunction/static/."""
from pathlib import Path

import azure.functions as func

from shared.http import endpoint
from shared.ui_page import UiAssets

ASSETS = UiAssets(Path(__file__).resolve().parent / "static")


@endpoint
def main(req: func.HttpRequest) -> func.HttpResponse:
    return ASSETS.response(req)
