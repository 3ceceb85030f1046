"""The page (GET /api/ui): served anonymously with a strict CSP, and used end to end in headless
Chromium: pick a scene and a sensor, classify with the function key, see the class map, the
coverage table and the model version. A screenshot is kept in artifacts/ui/.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import numpy as np

from shared.ui_page import CONTENT_SECURITY_POLICY
from tests.classify.scenes import npy_bytes, tiff_bytes
from tests.client.demo_scene import demo_scene
from tests.support.apphost import AppHost
from tests.ui.conftest import FUNCTION_KEY

CLASS_NAMES = ["snow", "water", "cryoconite", "clean ice", "light algae", "heavy algae"]


class _References(HTMLParser):
    """Every URL the page's markup refers to, and its embedded config."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_code: list[str] = []
        self.config_text = ""
        self._in_config = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]
        self.inline_code += [name for name, _ in attrs if name.startswith("on")]
        if tag == "script" and "src" not in values and values.get("type") != "application/json":
            self.inline_code.append("<script> without src")
        if tag == "style" or "style" in values:
            self.inline_code.append("inline style")
        self._in_config = tag == "script" and values.get("id") == "config"

    def handle_data(self, data: str) -> None:
        if self._in_config:
            self.config_text += data

    def handle_endtag(self, tag: str) -> None:
        self._in_config = False


def test_the_page_is_anonymous_strict_and_self_contained(keyed_app: AppHost) -> None:
    with httpx.Client(base_url=keyed_app.base_url + "/api", timeout=30) as http:
        page = http.get("/ui")
        assert page.status_code == 200  # no key needed, although keys are on
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "default-src 'none'" in CONTENT_SECURITY_POLICY
        assert "unsafe" not in CONTENT_SECURITY_POLICY
        assert page.headers["x-content-type-options"] == "nosniff"
        markup = _References()
        markup.feed(page.text)
        assert markup.urls and all(url.startswith("/api/") for url in markup.urls), markup.urls
        config = json.loads(markup.config_text)
        assert [c["name"] for c in config["classes"]] == CLASS_NAMES
        assert {s["name"]: s["bands"] for s in config["sensors"]} == {"micasense": 5,
                                                                      "sentinel2": 9}
        assert re.fullmatch(r"#[0-9a-f]{6}", config["nodata_colour"])
        assert markup.inline_code == []  # nothing inline for the CSP to refuse

        for asset, media in (("app.js", "text/javascript"), ("app.css", "text/css")):
            answer = http.get(f"/ui/{asset}")
            assert answer.status_code == 200
            assert answer.headers["content-type"] == f"{media}; charset=utf-8"
            again = http.get(f"/ui/{asset}", headers={"If-None-Match": answer.headers["etag"]})
            assert again.status_code == 304 and again.content == b""
        missing = http.get("/ui/secrets.json")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert http.get("/ui/..%2Fhost.json").status_code == 404
        assert http.post("/ui", content=b"x").status_code == 404  # GET only


def _write_scenes(folder: Path) -> dict[str, Path]:
    scene, _ = demo_scene(size=64)
    files = {"tiff": folder / "demo-scene.tif", "npy": folder / "three-bands.npy"}
    files["tiff"].write_bytes(tiff_bytes(scene, geo=True))
    files["npy"].write_bytes(npy_bytes(scene[..., :3]))
    return files


def test_classify_in_the_browser(browser, keyed_app: AppHost, tmp_path: Path,
                                 artifacts: Path) -> None:
    files = _write_scenes(tmp_path)
    origin = keyed_app.base_url
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    foreign: list[str] = []

    def only_the_app(route) -> None:
        if route.request.url.startswith(origin + "/"):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    page.route("**/*", only_the_app)
    try:
        page.goto(f"{origin}/api/ui")
        page.wait_for_selector("#health.ok")
        assert page.locator("#health").inner_text().startswith("API ok")
        assert page.locator("#sensor").input_value() == "micasense"

        page.click("#classify")
        assert page.locator("#status").inner_text() == "Pick a scene file first."

        # Without the key, the API refuses and the page says what to do.
        page.set_input_files("#scene", str(files["tiff"]))
        page.click("#classify")
        page.wait_for_selector("#status.error")
        assert "function key" in page.locator("#status").inner_text()

        # With the key: the class map, the legend, the coverage table and the model version.
        page.fill("#key", FUNCTION_KEY)
        page.click("#classify")
        page.wait_for_selector("#status.ok")
        page.wait_for_function("document.getElementById('class-map').naturalWidth > 0")
        assert page.evaluate("document.getElementById('class-map').naturalWidth") == 64
        rows = page.locator("#coverage tbody tr")
        assert rows.count() == 6
        names = [rows.nth(i).locator("th").inner_text().strip() for i in range(6)]
        assert names == CLASS_NAMES
        cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(6)]
        percents = [float(row[1].rstrip(" %")) for row in cells]
        assert abs(sum(percents) - 100) < 0.5 and all(p > 0 for p in percents)
        card = httpx.get(f"{origin}/api/models/current", params={"sensor": "micasense"},
                         headers={"x-functions-key": FUNCTION_KEY}).json()
        assert page.locator("#model-version").inner_text() == f"{card['name']} {card['version']}"
        page.screenshot(path=str(artifacts / "classified.png"), full_page=True)
        _check_map_colours(page, artifacts)

        # A problem of the API (wrong band count for the sensor) is shown as it was reported.
        page.set_input_files("#scene", str(files["npy"]))
        page.click("#classify")
        page.wait_for_selector("#status.error")
        assert page.locator("#status").inner_text().startswith("422 ")
        assert "5" in page.locator("#status").inner_text()

        # The key stays in this tab (sessionStorage), not in a cookie or the URL.
        assert page.evaluate("sessionStorage.getItem('icesurf.functionKey')") == FUNCTION_KEY
        assert context.cookies() == []
        page.reload()
        assert page.locator("#key").input_value() == FUNCTION_KEY
    finally:
        context.close()
    assert foreign == [], "the page asked for something outside the app"
    # No script errors and no CSP violations: only the two refusals provoked above are logged.
    assert [p.split(" (")[0] for p in problems] == [
        "Failed to load resource: the server responded with a status of 401",
        "Failed to load resource: the server responded with a status of 422"], problems


def _check_map_colours(page, artifacts: Path) -> None:
    """The shown class map uses the legend's colours (read back from the rendered image)."""
    from PIL import Image

    shot = artifacts / "class-map.png"
    page.locator("#class-map").screenshot(path=str(shot))
    legend = page.evaluate("""Array.from(document.querySelectorAll('#legend .swatch'))
        .map((s) => getComputedStyle(s).backgroundColor)""")
    colours = {tuple(int(v) for v in re.findall(r"\d+", colour)[:3]) for colour in legend}
    with Image.open(shot) as image:
        pixels = np.asarray(image.convert("RGB"))[2:-2, 2:-2].reshape(-1, 3)  # inside the border
    shown, counts = np.unique(pixels, axis=0, return_counts=True)
    dominant = {tuple(int(v) for v in colour) for colour, count in zip(shown, counts)
                if count > pixels.shape[0] * 0.01}
    assert dominant <= colours, (dominant, colours)
    assert len(dominant) >= 5  # the scene's classes and its masked strip
