"""An async function running past the app's functionTimeout (1 s)."""
import asyncio

import azure.functions as func


async def main(req: func.HttpRequest) -> func.HttpResponse:
    await asyncio.sleep(3)
    return func.HttpResponse("too late")
