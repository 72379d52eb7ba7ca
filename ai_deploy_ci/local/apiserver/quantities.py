"""Quantities on write: parse every quantity field and store its canonical form, as a real server.

kube-apiserver decodes `resources.requests.cpu` into a `resource.Quantity` (a string that does not
parse fails *decoding*: 400 BadRequest "… cannot be handled as a …: quantities must match …") and
encodes it back canonically (`0.5` → `500m`, `1024Mi` → `1Gi`). Clients that compare what they
wrote with what they read must see the same strings here as there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ai_deploy_ci.spec import quantity

from .errors import bad_request
from .resources import ResourceType

Obj = dict[str, Any]
TEMPLATED = ("Deployment", "ReplicaSet", "StatefulSet", "Job", "DaemonSet")


def pod_spec_of(obj: Obj, kind: str) -> Obj | None:
    """The pod spec inside an object of `kind` (Pod, or a workload's template), if any."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return None
    if kind == "Pod":
        return spec
    if kind in TEMPLATED:
        template = spec.get("template")
        inner = template.get("spec") if isinstance(template, dict) else None
        return inner if isinstance(inner, dict) else None
    return None


def _holders(obj: Obj, kind: str) -> Iterator[tuple[Obj, tuple[str, ...] | None]]:
    """(dict, keys holding quantities; None = every key) for each quantity field of the kind."""
    pod = pod_spec_of(obj, kind)
    if pod is not None:
        for key in ("containers", "initContainers"):
            for c in pod.get(key) or []:
                res = c.get("resources") if isinstance(c, dict) else None
                if isinstance(res, dict):
                    for part in ("requests", "limits"):
                        if isinstance(res.get(part), dict):
                            yield res[part], None
        if isinstance(pod.get("overhead"), dict):
            yield pod["overhead"], None
        for v in pod.get("volumes") or []:
            empty = v.get("emptyDir") if isinstance(v, dict) else None
            if isinstance(empty, dict):
                yield empty, ("sizeLimit",)
    if kind == "HorizontalPodAutoscaler":
        for m in (obj.get("spec") or {}).get("metrics") or []:
            for source in m.values() if isinstance(m, dict) else ():
                target = source.get("target") if isinstance(source, dict) else None
                if isinstance(target, dict):
                    yield target, ("value", "averageValue")


def canonicalize(obj: Obj, rt: ResourceType) -> None:
    """Replace each quantity by its canonical string; 400 BadRequest on one that does not parse."""
    for holder, keys in _holders(obj, rt.kind):
        for key in keys if keys is not None else list(holder):
            if key not in holder:
                continue
            try:
                holder[key] = quantity.canonical(holder[key])
            except (quantity.QuantityError, TypeError) as exc:
                raise bad_request(
                    f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {exc}'
                ) from None
