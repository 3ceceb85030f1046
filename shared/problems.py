"""The one error helper: every error body of the API is made here, as RFC 9457 problem details.

Domain code raises :class:`Problem` (or a subclass-free call of :func:`problem`); the HTTP layer
(:mod:`shared.http`) turns it into an ``application/problem+json`` response. The ``type`` URI of
every problem is ``/problems/<slug>`` relative to the API, so clients can switch on it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Mapping

import azure.functions as func

PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass
class Problem(Exception):
    """An error answer. ``slug`` names the problem type; ``extra`` adds members to the body."""

    status: int
    detail: str
    slug: str | None = None
    title: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def body(self, instance: str | None = None) -> dict[str, Any]:
        phrase = HTTPStatus(self.status).phrase
        slug = self.slug or phrase.lower().replace(" ", "-").replace("'", "")
        document: dict[str, Any] = {
            "type": f"/problems/{slug}",
            "title": self.title or phrase,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            document["instance"] = instance
        document.update(self.extra)
        return document

    def to_response(self, instance: str | None = None) -> func.HttpResponse:
        return func.HttpResponse(
            json.dumps(self.body(instance), separators=(",", ":")),
            status_code=self.status,
            headers={"Content-Type": PROBLEM_MEDIA_TYPE, **self.headers},
        )
