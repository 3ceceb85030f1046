"""The browser page of the API (``GET /api/ui``, UiFunction): a fixed set of static files served
with a strict Content-Security-Policy.

The page is plain HTML + JavaScript + CSS, no build step and nothing from other origins: scripts and
styles come from the page's own files (no inline code, so the CSP needs no ``'unsafe-inline'``),
images are the API's own PNG answers shown as ``blob:`` URLs. ``index.html`` is a template with two
fields filled in per request: ``{{API_ROOT}}`` (the route prefix the request came through, e.g.
``/api``) and ``{{CONFIG}}`` (the surface classes with names and map colours, the sensors and the
default sensor, as JSON in a non-executed ``application/json`` script element).
"""
from __future__ import annotations

import hashlib
import html
import json
from pathlib import Path
from typing import Any, Mapping

import azure.functions as func

from shared.problems import Problem
from shared.settings import get_settings

ASSET_TYPES: Mapping[str, str] = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
}
INDEX = "index.html"

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
))
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Revalidate every time (cheap: ETag → 304), so a deployment's new page is seen at once.
    "Cache-Control": "no-cache",
}


class UiAssets:
    """The page's files from ``folder``, read once (immutable afterwards)."""

    def __init__(self, folder: Path) -> None:
        self.files = {name: (folder / name).read_text(encoding="utf-8") for name in ASSET_TYPES}

    def response(self, req: func.HttpRequest) -> func.HttpResponse:
        """The asset named by the route's ``asset`` (none: the page), or 304 / 404."""
        name = req.route_params.get("asset") or INDEX
        if name not in ASSET_TYPES:
            raise Problem(404, f"The page has no file {name[:60]!r}; open {api_root(req.url)}/ui.",
                          slug="not-found")
        text = self.files[name]
        if name == INDEX:
            text = render_index(text, api_root(req.url))
        body = text.encode("utf-8")
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        headers = {**SECURITY_HEADERS, "ETag": etag}
        if etag in [tag.strip() for tag in req.headers.get("if-none-match", "").split(",")]:
            return func.HttpResponse(status_code=304, headers=headers)
        return func.HttpResponse(body, status_code=200,
                                 headers={**headers, "Content-Type": ASSET_TYPES[name]})


def api_root(url: str) -> str:
    """The route prefix of a ``.../ui[/asset]`` request URL: ``/api`` (or ``""`` without one)."""
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    return path[:path.lower().rindex("/ui")]


def page_config() -> dict[str, Any]:
    """What the page needs to know about the domain: classes (code, name, colour) and sensors."""
    from shared.classify_api import PALETTE
    from shared.surfaces import CLASSES, NODATA_CLASS, SENSORS

    return {
        "classes": [{"code": surface.code, "name": surface.name, "colour": _hex(surface.colour)}
                    for surface in CLASSES],
        "nodata_colour": _hex(PALETTE[NODATA_CLASS]),
        "sensors": [{"name": name, "bands": sensor.band_count} for name, sensor in SENSORS.items()],
        "default_sensor": get_settings().default_sensor,
    }


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def render_index(template: str, root: str) -> str:
    """Fill the page template. The JSON is made safe inside a script element (no ``</script>``)."""
    config = json.dumps(page_config(), separators=(",", ":")).replace("<", "\\u003c")
    return template.replace("{{API_ROOT}}", html.escape(root, quote=True)).replace(
        "{{CONFIG}}", config)
