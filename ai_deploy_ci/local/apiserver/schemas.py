"""Lazy access to the official OpenAPI-derived JSON schemas that `kubernetes-validate` ships.

Loading is deferred to the first write of a kind so the server starts in milliseconds; validators
are cached per kind. The same definitions drive strategic merge patch (`x-kubernetes-patch-*`).
"""

from __future__ import annotations

import json
import re
import threading
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_VERSION = "1.37.0"
_lock = threading.Lock()


@cache
def schema_dir() -> Path:
    import kubernetes_validate

    base = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    wanted = base / f"v{SCHEMA_VERSION}-local-strict"
    if wanted.is_dir():
        return wanted
    return sorted(p for p in base.iterdir() if p.name.endswith("-local-strict"))[-1]


@cache
def definitions() -> dict[str, Any]:
    with _lock:
        data: dict[str, Any] = json.loads((schema_dir() / "_definitions.json").read_text())
    return data


def _file_name(api_version: str, kind: str) -> str:
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{api}.json"


@cache
def root_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    path = schema_dir() / _file_name(api_version, kind)
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@cache
def validator(api_version: str, kind: str) -> Any:
    """A Draft 2020-12 validator for one built-in kind, or None if the schemas do not know it."""
    import jsonschema
    from referencing import Registry, Resource

    schema = root_schema(api_version, kind)
    if schema is None:
        return None
    registry: Registry[Any] = Registry().with_resources(
        [
            (schema["$id"], Resource.from_contents(schema)),
            (definitions()["$id"], Resource.from_contents(definitions())),
        ]
    )
    return jsonschema.Draft202012Validator(schema, registry=registry)


def _resolve(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    seen = 0
    while schema is not None and "$ref" in schema and seen < 20:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = definitions()["$defs"].get(name)
        seen += 1
    return schema


def nav(parent: dict[str, Any] | None, key: str | None) -> dict[str, Any] | None:
    """The schema of `parent[key]` (or of a list item when key is None), unresolved so that its
    `x-kubernetes-patch-*` extensions stay visible; used by strategic merge patch."""
    resolved = _resolve(parent)
    if resolved is None:
        return None
    if key is None:
        items = resolved.get("items")
        return items if isinstance(items, dict) else None
    props = resolved.get("properties") or {}
    if key in props:
        child: dict[str, Any] = props[key]
        return child
    extra = resolved.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def kind_schema(api_version: str, kind: str) -> dict[str, Any] | None:
    """The root schema of a built-in kind, for strategic merge patch navigation."""
    return root_schema(api_version, kind)
