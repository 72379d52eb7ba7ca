"""The three patch types a real server accepts: JSON merge (RFC 7386), JSON patch (RFC 6902), and
strategic merge patch, whose list-merge keys come from the same OpenAPI schema kubectl uses
(`x-kubernetes-patch-merge-key` / `x-kubernetes-patch-strategy`), so no per-field table can drift.

Server-side apply (`application/apply-patch+yaml`) is refused with 415 by the caller.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from .errors import ApiError, bad_request, invalid

# Resolves the schema of a child: (parent schema, key or None for list items) → child schema (or None).
SchemaNav = Callable[[dict[str, Any] | None, str | None], dict[str, Any] | None]


def merge_patch(original: Any, patch: Any) -> Any:
    """RFC 7386: maps merge recursively, null deletes, anything else (lists too) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], op: str) -> Any:
    cur = doc
    for part in parts[:-1]:
        try:
            cur = cur[int(part)] if isinstance(cur, list) else cur[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise ApiError(
                422,
                "Invalid",
                f"the server rejected our request due to an error in our request: "
                f"jsonpatch {op} operation does not apply: doc is missing path: /" + "/".join(parts),
            ) from None
    return cur


def json_patch(original: Any, ops: Any) -> Any:
    """RFC 6902 add/remove/replace/move/copy/test; a failed `test` or missing path is 422, as on a
    real server."""
    if not isinstance(ops, list):
        raise bad_request("json patch must be a list of operations")
    doc = copy.deepcopy(original)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request(f"invalid json patch operation: {op!r}")
        kind = op["op"]
        if kind in ("move", "copy"):
            src = _pointer(op["from"])
            value = copy.deepcopy(_get(doc, src, kind))
            if kind == "move":
                doc = _remove(doc, src, kind)
            doc = _add(doc, _pointer(op["path"]), value, kind)
        elif kind == "add":
            doc = _add(doc, _pointer(op["path"]), copy.deepcopy(op.get("value")), kind)
        elif kind == "remove":
            doc = _remove(doc, _pointer(op["path"]), kind)
        elif kind == "replace":
            parts = _pointer(op["path"])
            _get(doc, parts, kind)
            doc = _remove(doc, parts, kind) if parts else doc
            doc = _add(doc, parts, copy.deepcopy(op.get("value")), kind)
        elif kind == "test":
            if _get(doc, _pointer(op["path"]), kind) != op.get("value"):
                raise invalid("", "", "", [(op["path"], "FieldValueInvalid", "testing value failed")])
        else:
            raise bad_request(f"unknown json patch operation {kind!r}")
    return doc


def _get(doc: Any, parts: list[str], op: str) -> Any:
    if not parts:
        return doc
    parent = _parent(doc, parts, op)
    try:
        return parent[int(parts[-1])] if isinstance(parent, list) else parent[parts[-1]]
    except (KeyError, IndexError, ValueError, TypeError):
        raise ApiError(
            422,
            "Invalid",
            f"jsonpatch {op} operation does not apply: doc is missing key: /" + "/".join(parts),
        ) from None


def _add(doc: Any, parts: list[str], value: Any, op: str) -> Any:
    if not parts:
        return value
    parent = _parent(doc, parts, op)
    last = parts[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if index > len(parent):
            raise ApiError(422, "Invalid", f"jsonpatch {op} operation does not apply: index out of range")
        parent.insert(index, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise ApiError(422, "Invalid", f"jsonpatch {op} operation does not apply: parent is not a container")
    return doc


def _remove(doc: Any, parts: list[str], op: str) -> Any:
    _get(doc, parts, op)
    parent = _parent(doc, parts, op)
    if isinstance(parent, list):
        parent.pop(int(parts[-1]))
    else:
        del parent[parts[-1]]
    return doc


def strategic_merge_patch(original: Any, patch: Any, schema: dict[str, Any] | None, nav: SchemaNav) -> Any:
    """Strategic merge: like JSON merge, but lists marked `merge` in the schema merge by their key,
    primitive `merge` lists union, and `$patch`, `$retainKeys`, `$deleteFromPrimitiveList/…`,
    `$setElementOrder/…` directives are honoured."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    patch = dict(patch)
    directive = patch.pop("$patch", None)
    if directive == "replace":
        return _strip_directives(patch)
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    retain = patch.pop("$retainKeys", None)
    orders = {k.split("/", 1)[1]: patch.pop(k) for k in list(patch) if k.startswith("$setElementOrder/")}
    for k in [k for k in patch if k.startswith("$deleteFromPrimitiveList/")]:
        field, drop = k.split("/", 1)[1], patch.pop(k)
        if isinstance(result.get(field), list):
            result[field] = [v for v in result[field] if v not in drop]
    for key, value in patch.items():
        child = nav(schema, key)
        if value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
            result.pop(key, None)
        elif (
            isinstance(value, list)
            and child is not None
            and "merge" in str(child.get("x-kubernetes-patch-strategy", ""))
        ):
            result[key] = _merge_list(result.get(key) or [], value, child, nav)
        elif isinstance(value, dict):
            result[key] = strategic_merge_patch(result.get(key), value, child, nav)
        else:
            result[key] = _strip_directives(copy.deepcopy(value))
    for field, order in orders.items():
        if isinstance(result.get(field), list):
            result[field] = _reorder(
                result[field], order, (nav(schema, field) or {}).get("x-kubernetes-patch-merge-key")
            )
    if retain is not None:
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(original: list[Any], patch: list[Any], schema: dict[str, Any], nav: SchemaNav) -> list[Any]:
    key = schema.get("x-kubernetes-patch-merge-key")
    item_schema = nav(schema, None)
    if any(isinstance(p, dict) and p.get("$patch") == "replace" for p in patch):
        return [
            _strip_directives(p) for p in patch if not (isinstance(p, dict) and p.get("$patch") == "replace")
        ]
    if not key:  # a primitive list with merge strategy: union, original order first
        return list(original) + [v for v in patch if v not in original]
    result = copy.deepcopy(original)
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise bad_request(f"map: {item!r} does not contain declared merge key: {key}")
        index = next(
            (i for i, o in enumerate(result) if isinstance(o, dict) and o.get(key) == item[key]), None
        )
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
        elif index is None:
            result.append(_strip_directives(item))
        else:
            result[index] = strategic_merge_patch(result[index], item, item_schema, nav)
    return result


def _reorder(items: list[Any], order: list[Any], key: str | None) -> list[Any]:
    def ident(v: Any) -> Any:
        return v.get(key) if key and isinstance(v, dict) else v

    wanted = [ident(o) for o in order]
    ranked = sorted(
        range(len(items)),
        key=lambda i: wanted.index(ident(items[i])) if ident(items[i]) in wanted else len(wanted) + i,
    )
    return [items[i] for i in ranked]


def _strip_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return value
