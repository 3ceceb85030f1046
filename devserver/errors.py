"""The start-up refusal exception, and reading the JSON configuration files that can cause it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class StartupError(Exception):
    """Configuration the real host would refuse: the local host prints it and exits non-zero."""


def parse_json_object(text: str, path: Path) -> dict[str, Any]:
    """``text`` (the content of ``path``) as a JSON object, or :class:`StartupError`."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StartupError(f"Unable to parse {path}: {exc}") from None
    if not isinstance(document, dict):
        raise StartupError(f"{path} must hold a JSON object.")
    return document


def read_json_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path`` (a UTF-8 byte-order mark is allowed), or :class:`StartupError`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise StartupError(f"Cannot read {path}: {exc}") from None
    return parse_json_object(text, path)
