"""Parsing Kubernetes REST paths into (resource type, namespace, name, subresource) and a verb."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ApiError, method_not_allowed
from .resources import Registry, ResourceType

NOT_FOUND = "the server could not find the requested resource"


@dataclass(frozen=True)
class Route:
    rt: ResourceType
    namespace: str | None
    name: str | None
    sub: str
    watch: bool

    def verb(self, method: str) -> str:
        """The RBAC verb for this request, or 405 if the resource does not allow it."""
        if method == "GET":
            verb = "watch" if self.watch else ("get" if self.name else "list")
        elif method == "POST":
            verb = "create"
            if self.name and not self.sub:
                raise method_not_allowed()
        elif method == "PUT":
            verb = "update"
        elif method == "PATCH":
            verb = "patch"
        elif method == "DELETE":
            verb = "delete" if self.name else "deletecollection"
        else:
            raise method_not_allowed()
        if verb in ("update", "patch", "get") and not self.name:
            raise method_not_allowed()
        if self.sub:
            if self.sub not in self.rt.subresources:
                raise ApiError(404, "NotFound", NOT_FOUND, details={})
            return verb
        if verb not in self.rt.verbs:
            raise method_not_allowed()
        return verb


def parse_route(registry: Registry, path: str, params: dict[str, str]) -> Route:
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise ApiError(404, "NotFound", NOT_FOUND, details={})
    watch = params.get("watch") in ("true", "1")
    if rest and rest[0] == "watch":
        watch, rest = True, rest[1:]
    if not rest:
        raise ApiError(404, "NotFound", NOT_FOUND, details={})
    namespace: str | None = None
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] not in ("status", "finalize"):
        namespace, rest = rest[1], rest[2:]
    plural = rest[0]
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else ""
    if len(rest) > 3:
        raise ApiError(404, "NotFound", NOT_FOUND, details={})
    rt = registry.get(group, version, plural)
    if (
        rt is None
        or (namespace is not None and not rt.namespaced)
        or (rt.namespaced and name and namespace is None)
    ):
        raise ApiError(404, "NotFound", NOT_FOUND, details={})
    return Route(rt, namespace, name, sub, watch)
