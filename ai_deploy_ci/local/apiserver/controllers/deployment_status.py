"""Deployment status and its Available / Progressing conditions (pure: no store access).

Progressing follows kube-controller-manager: ReplicaSetUpdated while pods move, NewReplicaSetAvailable
when complete, DeploymentPaused while paused, and False/ProgressDeadlineExceeded after
progressDeadlineSeconds of cluster time without progress (until progress resumes).
"""

from __future__ import annotations

from ..clock import parse_time
from ..store import Obj
from .base import condition, set_condition


def deployment_status(
    d: Obj, new: Obj | None, old: list[Obj], desired: int, unavailable: int, now: float, stamp: str
) -> tuple[Obj, float | None]:
    """The Deployment status the controller would write, and cluster seconds until it may change
    by itself (the progress deadline), from the ReplicaSets' statuses."""
    all_rs = ([new] if new else []) + old
    st = lambda rs, k: rs.get("status", {}).get(k, 0)  # noqa: E731
    prev = d.get("status") or {}
    status: Obj = {
        "observedGeneration": d["metadata"].get("generation", 1),
        "replicas": sum(st(rs, "replicas") for rs in all_rs),
        "updatedReplicas": st(new, "replicas") if new else 0,
        "readyReplicas": sum(st(rs, "readyReplicas") for rs in all_rs),
        "availableReplicas": sum(st(rs, "availableReplicas") for rs in all_rs),
    }
    total_spec = sum(rs["spec"].get("replicas", 0) for rs in all_rs)
    status["unavailableReplicas"] = max(total_spec - status["availableReplicas"], 0)
    if "collisionCount" in prev:
        status["collisionCount"] = prev["collisionCount"]
    conds = prev.get("conditions") or []
    ok = status["availableReplicas"] >= desired - unavailable
    conds = set_condition(
        conds,
        {
            "type": "Available",
            "status": "True" if ok else "False",
            "lastUpdateTime": stamp,
            "reason": "MinimumReplicasAvailable" if ok else "MinimumReplicasUnavailable",
            "message": "Deployment has minimum availability."
            if ok
            else "Deployment does not have minimum availability.",
        },
        stamp,
    )
    avail = next(c for c in conds if c["type"] == "Available")
    old_avail = condition(d, "Available")
    if old_avail and old_avail.get("status") == avail["status"]:
        avail["lastUpdateTime"] = old_avail.get("lastUpdateTime", stamp)
    name = new["metadata"]["name"] if new else ""
    wake = _progressing(d, status, prev, conds, name, desired, now, stamp)
    status = {k: v for k, v in status.items() if v or k == "observedGeneration"}
    status["conditions"] = [c for c in conds if c]
    return status, wake


def _progressing(
    d: Obj,
    status: Obj,
    prev: Obj,
    conds: list[Obj],
    name: str,
    desired: int,
    now: float,
    stamp: str,
) -> float | None:
    """Progressing: fresh progress restarts the deadline clock; no progress for
    progressDeadlineSeconds (cluster time) turns it False/ProgressDeadlineExceeded until progress
    resumes."""
    current = next((c for c in conds if c["type"] == "Progressing"), None)
    deadline = float(d["spec"].get("progressDeadlineSeconds", 600))
    complete = (
        status["updatedReplicas"] == desired
        and status["replicas"] == desired
        and status["availableReplicas"] == desired
    )
    moved = (
        any(
            status.get(k, 0) > prev.get(k, 0)
            for k in ("updatedReplicas", "readyReplicas", "availableReplicas")
        )
        or status["replicas"] < prev.get("replicas", 0)
        or prev.get("observedGeneration") != status["observedGeneration"]
    )
    reason = current.get("reason") if current else None
    wake: float | None = None
    fresh = True
    if d["spec"].get("paused"):
        new_c = {
            "type": "Progressing",
            "status": "Unknown",
            "reason": "DeploymentPaused",
            "message": "Deployment is paused",
        }
        fresh = reason != "DeploymentPaused"
    elif complete:
        new_c = {
            "type": "Progressing",
            "status": "True",
            "reason": "NewReplicaSetAvailable",
            "message": f'ReplicaSet "{name}" has successfully progressed.',
        }
        fresh = reason != "NewReplicaSetAvailable" or moved
    elif moved or reason in (None, "NewReplicaSetAvailable", "DeploymentPaused"):
        new_c = {
            "type": "Progressing",
            "status": "True",
            "reason": "ReplicaSetUpdated",
            "message": f'ReplicaSet "{name}" is progressing.',
        }
        wake = deadline + 0.001
    else:
        assert current is not None
        last = parse_time(current.get("lastUpdateTime")) or now
        if reason == "ProgressDeadlineExceeded":
            new_c, fresh = dict(current), False
        elif now - last > deadline:
            new_c = {
                "type": "Progressing",
                "status": "False",
                "reason": "ProgressDeadlineExceeded",
                "message": f'ReplicaSet "{name}" has timed out progressing.',
            }
        else:
            new_c, fresh = dict(current), False
            wake = last + deadline - now + 0.001
    new_c["lastUpdateTime"] = stamp if fresh or current is None else current.get("lastUpdateTime", stamp)
    conds[:] = set_condition(conds, new_c, stamp)
    conds.sort(key=lambda c: 0 if c["type"] == "Available" else 1)
    return wake
