"""Who owns a resource: the caller's principal from App Service authentication, or the shared space.

When the platform's authentication ("Easy Auth") is on, App Service validates the caller's token and
passes the principal's id to the app in ``x-ms-client-principal-id``; it also strips that header
from incoming requests, so the app can trust it. Each principal gets its own namespace, named by a
hash of the id (no raw identifiers in blob names, fixed length whatever the identity provider).

Without a principal (function keys alone, authentication off) every caller shares one namespace:
holding the function key is the only credential, and all key holders are equally trusted. In that
set-up the header is NOT trustworthy (a caller could send it), which is harmless only because it
then merely selects a different space of the same shared trust level; see docs/resources.md.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import azure.functions as func

from shared.problems import Problem

PRINCIPAL_HEADER = "x-ms-client-principal-id"
SHARED_NAMESPACE = "shared"
PRINCIPAL_NAMESPACE_PREFIX = "p-"
MAX_PRINCIPAL_ID_LENGTH = 256


@dataclass(frozen=True)
class Owner:
    """The storage namespace a caller's resources live in (a blob-name prefix without a slash)."""

    namespace: str

    @property
    def is_shared(self) -> bool:
        return self.namespace == SHARED_NAMESPACE


def owner_for_principal(principal_id: str | None) -> Owner:
    """The owner for a principal id; ``None`` or blank is the shared space."""
    if principal_id is None or not principal_id.strip():
        return Owner(SHARED_NAMESPACE)
    principal_id = principal_id.strip()
    if len(principal_id) > MAX_PRINCIPAL_ID_LENGTH or not principal_id.isprintable():
        raise Problem(400, f"The {PRINCIPAL_HEADER} header is not a valid principal id.",
                      slug="invalid-principal")
    digest = hashlib.sha256(principal_id.encode("utf-8")).hexdigest()
    return Owner(PRINCIPAL_NAMESPACE_PREFIX + digest)


def owner_from_request(req: func.HttpRequest) -> Owner:
    """The owner of whatever the request touches (see the module doc for the trust model)."""
    return owner_for_principal(req.headers.get(PRINCIPAL_HEADER))
