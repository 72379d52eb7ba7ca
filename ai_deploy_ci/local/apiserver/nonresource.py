"""Answers for the non-resource paths: /healthz, /readyz, /livez, /version, discovery and /openapi/v3."""

from __future__ import annotations

from typing import Any

from . import discovery, openapi
from .errors import ApiError
from .resources import Registry

JSON = "application/json"


def _not_found() -> ApiError:
    return ApiError(404, "NotFound", "the server could not find the requested resource", details={})


def answer(registry: Registry, path: str, address: str) -> tuple[Any, str] | None:
    """(body, content type) for a non-resource path, None for a resource path; 404 as ApiError."""
    path = path.rstrip("/") or "/"
    if path in ("/healthz", "/readyz", "/livez"):
        return b"ok", "text/plain"
    if path == "/version":
        return discovery.SERVER_VERSION, JSON
    if path == "/api":
        return discovery.api_versions(address), JSON
    if path == "/apis":
        return discovery.api_group_list(registry), JSON
    if path == "/api/v1":
        return discovery.resource_list(registry, "", "v1"), JSON
    if path.startswith("/apis/") and path.count("/") in (2, 3):
        parts = path.split("/")[2:]
        doc = (
            discovery.api_group(registry, parts[0])
            if len(parts) == 1
            else discovery.resource_list(registry, parts[0], parts[1])
        )
        if doc is None:
            raise _not_found()
        return doc, JSON
    if path == "/openapi/v3":
        return openapi.index(registry), JSON
    if path.startswith("/openapi"):
        parts = path.split("/")[3:]
        if parts[:1] == ["api"] and len(parts) == 2:
            doc = openapi.document(registry, "", parts[1])
        elif parts[:1] == ["apis"] and len(parts) == 3:
            doc = openapi.document(registry, parts[1], parts[2])
        else:
            doc = None
        if doc is None:
            raise _not_found()
        return doc, JSON
    return None
