"""HTTP plumbing shared by the function folders: the endpoint wrapper, JSON answers, negotiation.

Every function's ``main`` is wrapped by :func:`endpoint`, which turns :class:`~shared.problems.Problem`
into problem+json, maps an unreachable storage account or vault to 503 with ``Retry-After``, and logs
and answers anything else as a 500 problem (a bug by definition).
"""
from __future__ import annotations

import functools
import json
import logging
from typing import Any, Callable, Iterable, Mapping

import azure.functions as func
from azure.core.exceptions import ServiceRequestError, ServiceResponseError

from shared.problems import Problem
from shared.settings import SettingsError, get_settings

log = logging.getLogger("icesurf")

Handler = Callable[[func.HttpRequest], func.HttpResponse]


class DependencyUnavailable(Exception):
    """A backing service (storage, Key Vault, model registry) cannot answer right now."""

    def __init__(self, what: str, detail: str) -> None:
        super().__init__(detail)
        self.what = what
        self.detail = detail


def retry_after_headers() -> dict[str, str]:
    try:
        seconds = get_settings().retry_after_seconds
    except SettingsError:
        seconds = 5
    return {"Retry-After": str(seconds)}


def unavailable(what: str, detail: str) -> Problem:
    """The 503 problem for a dependency that is down: always with Retry-After."""
    return Problem(503, detail, slug=f"{what}-unavailable", title=f"{what.capitalize()} unavailable",
                   headers=retry_after_headers())


def endpoint(handler: Handler) -> Handler:
    """Wrap a function's handler so every failure leaves as problem+json (see module doc)."""

    @functools.wraps(handler)
    def main(req: func.HttpRequest) -> func.HttpResponse:
        instance = _path_of(req.url)
        try:
            return handler(req)
        except Problem as problem:
            return problem.to_response(instance)
        except DependencyUnavailable as exc:
            log.warning("%s unavailable: %s", exc.what, exc.detail)
            return unavailable(exc.what, exc.detail).to_response(instance)
        except (ServiceRequestError, ServiceResponseError) as exc:
            log.warning("storage unreachable: %s", type(exc).__name__)
            return unavailable("storage", "The storage service could not be reached; try again later."
                               ).to_response(instance)
        except SettingsError as exc:
            log.error("configuration error: %s", exc)
            return Problem(503, str(exc), slug="misconfigured", title="Service misconfigured",
                           headers=retry_after_headers()).to_response(instance)
        except Exception:  # noqa: BLE001 - the last line of defence; this is a bug
            log.exception("unhandled error in %s", handler.__module__)
            return Problem(500, "An unexpected error occurred; it has been logged.",
                           slug="internal-error").to_response(instance)

    return main


def _path_of(url: str) -> str:
    path = url.split("://", 1)[-1]
    path = "/" + path.split("/", 1)[1] if "/" in path else "/"
    return path.split("?", 1)[0]


def json_response(document: Any, status: int = 200, headers: Mapping[str, str] | None = None
                  ) -> func.HttpResponse:
    return func.HttpResponse(json.dumps(document, separators=(",", ":"), allow_nan=False),
                             status_code=status,
                             headers={"Content-Type": "application/json", **(headers or {})})


def media_type(req: func.HttpRequest) -> str:
    """The request's media type without parameters, lower-cased ('' when absent)."""
    return req.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def negotiate(req: func.HttpRequest, offered: Iterable[str]) -> str:
    """Pick the best of ``offered`` (first = default) for the request's Accept header, or 406."""
    offered = list(offered)
    header = req.headers.get("accept", "").strip()
    if not header:
        return offered[0]
    ranges: list[tuple[float, str]] = []
    for item in header.split(","):
        parts = [p.strip() for p in item.split(";")]
        if not parts[0]:
            continue
        quality = 1.0
        for param in parts[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((quality, parts[0].lower()))
    best: tuple[float, int] | None = None
    chosen = ""
    for candidate_rank, candidate in enumerate(offered):
        # The candidate's quality comes from the most specific range that matches it (RFC 9110 12.5.1).
        matching = [(_specificity(pattern), quality) for quality, pattern in ranges
                    if _matches(pattern, candidate)]
        if not matching:
            continue
        quality = max(matching)[1]
        if quality > 0 and (best is None or (quality, -candidate_rank) > best):
            best, chosen = (quality, -candidate_rank), candidate
    if best is None:
        raise Problem(406, f"None of the acceptable media types can be produced; this resource offers "
                           f"{', '.join(offered)}.", extra={"offered": offered})
    return chosen


def _specificity(pattern: str) -> int:
    return 0 if pattern == "*/*" else (1 if pattern.endswith("/*") else 2)


def _matches(pattern: str, candidate: str) -> bool:
    if pattern == "*/*":
        return True
    if pattern.endswith("/*"):
        return candidate.split("/", 1)[0] == pattern[:-2]
    return pattern == candidate
