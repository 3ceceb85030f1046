"""IceSurf: the Python client of the IceSurf API (classify Greenland ice-sheet surfaces).

    from icesurf import Client
    with Client() as api:                      # ICESURF_API_URL / ICESURF_API_KEY, or arguments
        result = api.classify("scene.tif", sensor="micasense")
        print(result.coverage_table())

The command line is ``python -m icesurf --help``; the walkthrough is docs/client.md.
"""
from icesurf.client import (DEFAULT_URL, ApiError, ApiUnreachable, Classification, Client,
                            ClassCoverage, IceSurfError, RasterAnswer, Resource, ResourcePage,
                            RetryPolicy)

__all__ = ["DEFAULT_URL", "ApiError", "ApiUnreachable", "Classification", "ClassCoverage", "Client",
           "IceSurfError", "RasterAnswer", "Resource", "ResourcePage", "RetryPolicy"]
