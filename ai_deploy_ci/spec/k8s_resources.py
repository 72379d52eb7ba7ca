"""Container resource rules of kube-apiserver, shared by the local API server and `validate` (pure).

Ported from kubernetes/kubernetes pkg/apis/core/validation/validation.go
`ValidateResourceRequirements` / `ValidateResourceQuantityValue` and pkg/apis/core/helper
(`IsNativeResource`, `IsExtendedResourceName`, `IsOvercommitAllowed`). Each cause is
(field path, reason, message) with kube-apiserver's field paths and wording.
"""

from __future__ import annotations

from typing import Any

from ai_deploy_ci.spec import quantity

Cause = tuple[str, str, str]
QOS_COMPUTE = ("cpu", "memory")


def is_native(name: str) -> bool:
    """`helper.IsNativeResource`: no domain, or a kubernetes.io domain."""
    return "/" not in name or "kubernetes.io/" in name


def is_extended(name: str) -> bool:
    """`helper.IsExtendedResourceName`: a domain outside kubernetes.io, not a quota `requests.` name."""
    return not is_native(name) and not name.startswith("requests.")


def overcommit_allowed(name: str) -> bool:
    """`helper.IsOvercommitAllowed`: native and not hugepages."""
    return is_native(name) and not name.startswith("hugepages-")


def _q(value: Any) -> quantity.Quantity | None:
    try:
        return quantity.parse(value)
    except (quantity.QuantityError, TypeError):
        return None


def _value_causes(name: str, q: quantity.Quantity, path: str) -> list[Cause]:
    """`ValidateResourceQuantityValue`: non-negative; integer for integer (extended) resources."""
    out: list[Cause] = []
    if q.value < 0:
        out.append((path, "FieldValueInvalid", f'Invalid value: "{q}": must be greater than or equal to 0'))
    if is_extended(name) and not q.is_integer():
        out.append((path, "FieldValueInvalid", f'Invalid value: "{q}": must be an integer'))
    return out


def resource_causes(resources: Any, where: str) -> list[Cause]:
    """`ValidateResourceRequirements` for one container's `resources` at field path `where`."""
    if not isinstance(resources, dict):
        return []
    limits = resources.get("limits") or {}
    requests = resources.get("requests") or {}
    lim_path, req_path = f"{where}.limits", f"{where}.requests"
    out: list[Cause] = []
    for name, raw in sorted(limits.items()):
        q = _q(raw)
        if q is not None:
            out += _value_causes(name, q, f"{lim_path}[{name}]")
    for name, raw in sorted(requests.items()):
        q = _q(raw)
        if q is None:
            continue
        out += _value_causes(name, q, f"{req_path}[{name}]")
        limit = _q(limits[name]) if name in limits else None
        if limit is not None:
            # Non-overcommitable resources may not be lower than their limit either: equal only.
            if q.value != limit.value and not overcommit_allowed(name):
                out.append(
                    (
                        req_path,
                        "FieldValueInvalid",
                        f'Invalid value: "{q}": must be equal to {name} limit of {limit}',
                    )
                )
            elif q.value > limit.value:
                out.append(
                    (
                        req_path,
                        "FieldValueInvalid",
                        f'Invalid value: "{q}": must be less than or equal to {name} limit of {limit}',
                    )
                )
        elif name not in limits and not overcommit_allowed(name):
            out.append(
                (
                    lim_path,
                    "FieldValueRequired",
                    "Required value: Limit must be set for non overcommitable resources",
                )
            )
    return out
