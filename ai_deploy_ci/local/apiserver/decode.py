"""Request bodies decoded as kube-apiserver decodes them: duplicate JSON fields are found.

Go's strict JSON decoder (sigs.k8s.io/json `UnmarshalStrict`, used by the apiserver's serializer
under `fieldValidation=Strict`) reports a field given twice as `duplicate field "spec.paused"`
(400 BadRequest, "strict decoding error"); with Warn it is a warning and the last value wins,
as with Python's `json`. Paths use the same dotted / `[i]` form as unknown-field errors.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import bad_request
from .resources import ResourceType
from .validation import field_path


def _duplicates(raw: bytes) -> tuple[Any, list[str]]:
    """(parsed value, paths of duplicated fields in document order)."""
    seen: dict[int, list[str]] = {}

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        dups: list[str] = []
        for k, v in pairs:
            if k in out and k not in dups:
                dups.append(k)
            out[k] = v
        if dups:
            seen[id(out)] = dups
        return out

    value = json.loads(raw, object_pairs_hook=hook)
    found: list[str] = []

    def walk(node: Any, path: list[Any]) -> None:
        if isinstance(node, dict):
            found.extend(field_path([*path, k]) for k in seen.get(id(node), ()))
            for k, v in node.items():
                walk(v, [*path, k])
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, [*path, i])

    if seen:
        walk(value, [])
    return value, found


def body(raw: bytes, rt: ResourceType, field_validation: str | None) -> tuple[Any, list[str]]:
    """The decoded body and its warnings; 400 under Strict when a field is given twice."""
    if not raw:
        return None, []
    try:
        value, dups = _duplicates(raw)
    except ValueError as exc:
        raise bad_request(f"error decoding request body: {exc}") from None
    messages = [f'duplicate field "{p}"' for p in dups]
    if messages and field_validation == "Strict":
        raise bad_request(
            f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
            f"strict decoding error: {', '.join(messages)}"
        )
    return value, ([] if field_validation == "Ignore" else messages)
