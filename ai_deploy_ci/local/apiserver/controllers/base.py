"""Shared helpers for controllers: typed access to the store, owner references, pod state."""

from __future__ import annotations

import contextlib
import copy
import hashlib
import math
from typing import Any

from ai_deploy_ci.spec import quantity

from ..errors import ApiError
from ..resources import ResourceType
from ..rest import Api
from ..store import Obj

_SAFE = "bcdfghjklmnpqrstvwxz2456789"


class Controller:
    """A reconcile pass over the store; `sync` returns cluster seconds until it next needs to run, or None."""

    def __init__(self, api: Api) -> None:
        self.api = api

    def rt(self, group: str, version: str, plural: str) -> ResourceType:
        rt = self.api.registry.get(group, version, plural)
        assert rt is not None, plural
        return rt

    def sync(self, now: float) -> float | None:
        raise NotImplementedError

    def write(self, rt: ResourceType, obj: Obj) -> Obj | None:
        """Commit a controller's change; a concurrent write or deletion just means try next pass."""
        meta = obj["metadata"]
        try:
            out, _ = self.api.update(rt, meta.get("namespace", ""), meta["name"], obj, internal=True)
            return out
        except ApiError:
            return None

    def write_status(self, rt: ResourceType, obj: Obj, status: Obj) -> None:
        """Write `status` only if it changed (controllers must be idempotent or the loop never idles)."""
        if obj.get("status") == status:
            return
        new = copy.deepcopy(obj)
        new["status"] = status
        meta = obj["metadata"]
        with contextlib.suppress(ApiError):
            self.api.update(rt, meta.get("namespace", ""), meta["name"], new, internal=True, sub="status")


def owner_ref(owner: Obj) -> Obj:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controlled_by(obj: Obj, owner_uid: str) -> bool:
    return any(
        r.get("uid") == owner_uid and r.get("controller")
        for r in obj.get("metadata", {}).get("ownerReferences") or []
    )


def short_hash(value: Any, length: int = 10) -> str:
    """A pod-template-hash-like string (safe alphabet, like Kubernetes' SafeEncodeString)."""
    digest = hashlib.sha256(repr(_canonical(value)).encode()).digest()
    return "".join(_SAFE[b % len(_SAFE)] for b in digest[:length])


def _canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_canonical(v) for v in value)
    return value


def condition(obj: Obj, ctype: str) -> Obj | None:
    return next((c for c in obj.get("status", {}).get("conditions") or [] if c.get("type") == ctype), None)


def pod_ready(pod: Obj) -> bool:
    c = condition(pod, "Ready")
    return bool(c and c.get("status") == "True")


def pod_active(pod: Obj) -> bool:
    """Not terminating and not finished: counts toward a ReplicaSet's replicas."""
    return not pod["metadata"].get("deletionTimestamp") and pod.get("status", {}).get("phase") not in (
        "Succeeded",
        "Failed",
    )


def set_condition(conditions: list[Obj], new: Obj, now: str) -> list[Obj]:
    """Upsert a condition, keeping lastTransitionTime when the status did not change."""
    out = [copy.deepcopy(c) for c in conditions]
    for c in out:
        if c["type"] == new["type"]:
            if c.get("status") != new.get("status"):
                new = {**new, "lastTransitionTime": now}
            else:
                new = {**new, "lastTransitionTime": c.get("lastTransitionTime", now)}
            c.clear()
            c.update(new)
            return out
    out.append({**new, "lastTransitionTime": now})
    return out


def gpu_request(pod_spec: Obj) -> int:
    """`nvidia.com/gpu` a pod needs: the sum of its containers' limits (for extended resources
    the limit is the request)."""
    total = 0
    for c in pod_spec.get("containers") or []:
        res = c.get("resources") or {}
        value = (res.get("limits") or {}).get(
            "nvidia.com/gpu", (res.get("requests") or {}).get("nvidia.com/gpu", 0)
        )
        total += gpu_count(value)
    return total


def gpu_count(value: object) -> int:
    """A GPU quantity as whole devices, never raising: the scheduler must survive any stored value
    (a crash here once left every pod in the cluster Pending). Fractions round up, as no device
    can be shared; an unparseable value counts as 0 (validation rejects both on write)."""
    try:
        return math.ceil(quantity.parse(value).value)  # type: ignore[arg-type]
    except (quantity.QuantityError, TypeError):
        return 0
