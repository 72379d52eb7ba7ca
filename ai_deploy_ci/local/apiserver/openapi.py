"""Minimal OpenAPI v3 documents (`/openapi/v3`, `/openapi/v3/<api|apis/g>/<v>`), enough for kubectl:
its `--validate=strict` checks that POST/PATCH accept `fieldValidation` (then the server validates),
and `kubectl apply` reads patch metadata from `components.schemas`. Built-in schemas come from the
same kubernetes-validate definitions the server validates with; custom kinds from their CRDs.
"""

from __future__ import annotations

import json
from typing import Any

from . import schemas
from .resources import Registry, ResourceType

_PARAMS = [
    {"name": n, "in": "query", "schema": {"type": "string"}, "uniqueItems": True}
    for n in ("dryRun", "fieldManager", "fieldValidation", "pretty")
]
_CACHE: dict[str, Any] = {}


def _gv_path(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def index(registry: Registry) -> dict[str, Any]:
    paths = {}
    for group, versions in registry.group_versions().items():
        for version in versions:
            gv = _gv_path(group, version)
            paths[gv] = {"serverRelativeURL": f"/openapi/v3/{gv}?hash={_hash(registry, group, version)}"}
    return {"paths": paths}


def _hash(registry: Registry, group: str, version: str) -> str:
    served = sorted(
        (rt.plural, rt.crd_name, id(rt.crd_schema))
        for rt in registry.all()
        if rt.group == group and rt.version == version
    )
    return format(abs(hash(json.dumps(served))), "X")


def _operation(rt: ResourceType, action: str) -> dict[str, Any]:
    return {
        "operationId": f"{action}{rt.kind}",
        "parameters": _PARAMS,
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": rt.group, "version": rt.version, "kind": rt.kind},
    }


def openapi30(node: Any, in_map: bool = False) -> Any:
    """JSON-Schema (kubernetes-validate's form) → OpenAPI 3.0 as kube-apiserver serves it: one
    `type` string (not `["integer", "null"]`), int-or-string as `type: string, format: int-or-string`
    (kubectl explain's templates compare `.type` with a string and crash on a list).
    `in_map` marks a name → schema map (`properties`), whose keys are field names, not keywords."""
    if isinstance(node, list):
        return [openapi30(v) for v in node]
    if not isinstance(node, dict):
        return node
    if in_map:
        return {k: openapi30(v) for k, v in node.items()}
    out: dict[str, Any] = {}
    for k, v in node.items():
        if k == "$schema":
            continue
        if k == "type" and isinstance(v, list):
            v = next((t for t in v if t != "null"), "object")
        out[k] = openapi30(v, in_map=k in ("properties", "patternProperties", "definitions"))
    alternatives = out.get("oneOf") or out.get("anyOf")
    if isinstance(alternatives, list) and all(
        isinstance(a, dict) and set(a) <= {"type", "format"} for a in alternatives
    ):
        types = {a.get("type") for a in alternatives}
        out.pop("oneOf", None)
        out.pop("anyOf", None)
        out["type"] = "string"
        if {"string", "integer"} <= types:
            out["format"] = "int-or-string"
    return out


def _builtin_components() -> dict[str, Any]:
    if "builtin" not in _CACHE:
        text = json.dumps(schemas.definitions()["$defs"]).replace("#/$defs/", "#/components/schemas/")
        _CACHE["builtin"] = openapi30(json.loads(text), in_map=True)
    result: dict[str, Any] = _CACHE["builtin"]
    return result


def _crd_schema(rt: ResourceType) -> dict[str, Any]:
    schema = json.loads(json.dumps(rt.crd_schema or {"type": "object"}))
    schema["x-kubernetes-group-version-kind"] = [{"group": rt.group, "version": rt.version, "kind": rt.kind}]
    props = schema.setdefault("properties", {})
    props["metadata"] = {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
    return schema


def document(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    served = [rt for rt in registry.all() if rt.group == group and rt.version == version]
    if not served:
        return None
    prefix = "/" + _gv_path(group, version)
    paths: dict[str, Any] = {}
    components = dict(_builtin_components())
    for rt in served:
        base = f"{prefix}/namespaces/{{namespace}}/{rt.plural}" if rt.namespaced else f"{prefix}/{rt.plural}"
        paths[base] = {"post": _operation(rt, "post"), "get": _operation(rt, "list")}
        if "update" in rt.verbs:
            paths[f"{base}/{{name}}"] = {
                "get": _operation(rt, "get"),
                "put": _operation(rt, "put"),
                "patch": _operation(rt, "patch"),
                "delete": _operation(rt, "delete"),
            }
        if rt.crd_name:
            components[f"{rt.group}.{rt.version}.{rt.kind}"] = _crd_schema(rt)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.37.0"},
        "paths": paths,
        "components": {"schemas": components},
    }
