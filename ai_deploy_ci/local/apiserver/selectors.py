"""Label selectors (equality- and set-based) and field selectors, parsed as kube-apiserver parses them.

Unsupported field labels are a 400 as on a real server, so a selector that only works here fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import bad_request

Predicate = Callable[[dict[str, Any]], bool]

_SET_RE = re.compile(r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s*(?:(notin|in)\s*\(([^)]*)\))?\s*$")
_EQ_RE = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*$")

# Field labels a real server accepts beyond metadata.name / metadata.namespace, per resource.
FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "pods": (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    ),
    "events": (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    "secrets": ("type",),
    "namespaces": ("status.phase",),
    "nodes": ("spec.unschedulable",),
    "replicasets": ("status.replicas",),
    "jobs": ("status.successful",),
}


def _label_check(key: str, op: str, values: set[str]) -> Predicate:
    """`in`: the label is one of values; `notin`: it is absent or none of them (as `!=` is)."""
    if op == "in":
        return lambda labels: labels.get(key) in values
    return lambda labels: labels.get(key) not in values


def _has_label(key: str, present: bool) -> Predicate:
    return lambda labels: (key in labels) == present


def _field_check(path: str, value: str, equal: bool) -> Predicate:
    return lambda obj: (_field_value(obj, path) == value) == equal


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    terms, depth, cur = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        terms.append(cur)
    return terms


def parse_label_selector(text: str | None) -> Predicate:
    """`a=b,c!=d,e in (x,y),f notin (z),g,!h` → predicate over a labels dict."""
    if not text or not text.strip():
        return lambda labels: True
    checks: list[Predicate] = []
    for term in _split_terms(text):
        eq = _EQ_RE.match(term)
        if eq:
            key, op, value = eq.groups()
            if op == "!=":
                checks.append(_label_check(key, "notin", {value}))
            else:
                checks.append(_label_check(key, "in", {value}))
            continue
        st = _SET_RE.match(term)
        if not st:
            raise bad_request(f"unable to parse requirement: invalid label selector: {term.strip()!r}")
        neg, key, op, values = st.groups()
        if op:
            if neg:
                raise bad_request(f"unable to parse requirement: {term.strip()!r}")
            vals = {v.strip() for v in values.split(",") if v.strip()}
            if op == "in":
                checks.append(_label_check(key, "in", vals))
            else:
                checks.append(_label_check(key, "notin", vals))
        elif neg:
            checks.append(_has_label(key, False))
        else:
            checks.append(_has_label(key, True))
    return lambda labels: all(c(labels) for c in checks)


def match_label_selector(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """A `metav1.LabelSelector` (matchLabels + matchExpressions); an empty selector matches everything."""
    if not selector:
        return True
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], set(expr.get("values") or [])
        if (
            (op == "In" and labels.get(key) not in values)
            or (op == "NotIn" and labels.get(key) in values)
            or (op == "Exists" and key not in labels)
            or (op == "DoesNotExist" and key in labels)
        ):
            return False
    return True


def selector_to_string(selector: dict[str, Any] | None) -> str:
    """The string form of a LabelSelector (as in `status.selector` of the scale subresource)."""
    parts = [f"{k}={v}" for k, v in sorted((selector or {}).get("matchLabels", {}).items())]
    for expr in (selector or {}).get("matchExpressions") or []:
        op, key, vals = expr["operator"], expr["key"], ",".join(sorted(expr.get("values") or []))
        parts.append(
            {
                "In": f"{key} in ({vals})",
                "NotIn": f"{key} notin ({vals})",
                "Exists": key,
                "DoesNotExist": f"!{key}",
            }[op]
        )
    return ",".join(parts)


def _field_value(obj: dict[str, Any], path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if path == "source" and isinstance(cur, dict):
        cur = cur.get("component")
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return "" if cur is None else str(cur)


def parse_field_selector(text: str | None, plural: str) -> Predicate:
    """`metadata.name=x,status.phase!=Running`; labels not supported by the resource are a 400."""
    if not text or not text.strip():
        return lambda obj: True
    allowed = {"metadata.name", "metadata.namespace", *FIELD_LABELS.get(plural, ())}
    checks: list[Predicate] = []
    for term in _split_terms(text):
        m = re.match(r"^\s*([A-Za-z0-9.]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not m:
            raise bad_request(f"invalid field selector: {term!r}")
        path, op, value = m.groups()
        if path not in allowed:
            raise bad_request(f"field label not supported: {path}")
        if op == "!=":
            checks.append(_field_check(path, value, False))
        else:
            checks.append(_field_check(path, value, True))
    return lambda obj: all(c(obj) for c in checks)
