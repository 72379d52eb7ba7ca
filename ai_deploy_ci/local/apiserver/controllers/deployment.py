"""Deployment controller: ReplicaSets per template (pod-template-hash), RollingUpdate and Recreate,
revisions (re-applying an old template reuses its ReplicaSet and bumps its revision), status and the
Progressing / Available conditions including ProgressDeadlineExceeded."""

from __future__ import annotations

import contextlib
import copy
from typing import Any

from ..store import Obj
from .base import Controller, controlled_by, owner_ref, short_hash
from .deployment_status import deployment_status
from .events import Recorder
from .rollout import new_rs_replicas, old_scale_down, resolve_fenceposts

REVISION = "deployment.kubernetes.io/revision"
HASH = "pod-template-hash"


def _without_nulls(value: Any) -> Any:
    """Templates compare semantically: `creationTimestamp: null` (as Go clients send) equals absent."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _template_without_hash(rs: Obj) -> Obj:
    tmpl = copy.deepcopy(rs["spec"]["template"])
    (tmpl.get("metadata") or {}).get("labels", {}).pop(HASH, None)
    return _without_nulls(tmpl)


def _revision(rs: Obj) -> int:
    return int((rs["metadata"].get("annotations") or {}).get(REVISION, "0") or 0)


class DeploymentController(Controller):
    def __init__(self, api: Any, recorder: Recorder) -> None:
        super().__init__(api)
        self.events = recorder
        self.d_rt = self.rt("apps", "v1", "deployments")
        self.rs_rt = self.rt("apps", "v1", "replicasets")

    def sync(self, now: float) -> float | None:
        wake: float | None = None
        all_rs = self.api.store.list(self.rs_rt.key)
        for d in self.api.store.list(self.d_rt.key):
            d = self.api.render(self.d_rt, d)
            if d["metadata"].get("deletionTimestamp"):
                continue
            owned = [
                self.api.render(self.rs_rt, rs) for rs in all_rs if controlled_by(rs, d["metadata"]["uid"])
            ]
            due = self._sync_one(d, owned, now)
            if due is not None:
                wake = due if wake is None else min(wake, due)
        return wake

    def _scale(self, rs: Obj, replicas: int, d: Obj) -> None:
        old = rs["spec"].get("replicas", 0)
        if old == replicas:
            return
        rs = copy.deepcopy(rs)
        rs["spec"]["replicas"] = replicas
        ann = rs["metadata"].setdefault("annotations", {})
        ann["deployment.kubernetes.io/desired-replicas"] = str(d["spec"].get("replicas", 1))
        if self.write(self.rs_rt, rs) is not None:
            verb = "up" if replicas > old else "down"
            self.events.event(
                d,
                "Normal",
                "ScalingReplicaSet",
                f"Scaled {verb} replica set {rs['metadata']['name']} from {old} to {replicas}",
                "deployment-controller",
            )

    def _new_rs(self, d: Obj, owned: list[Obj]) -> Obj | None:
        template = d["spec"]["template"]
        matching = [rs for rs in owned if _template_without_hash(rs) == _without_nulls(template)]
        max_rev = max((_revision(rs) for rs in owned), default=0)
        if matching:
            rs = matching[0]
            if (
                _revision(rs) < max_rev
            ):  # a rollback to an old template: the old RS becomes the newest revision
                rs = copy.deepcopy(rs)
                rs["metadata"].setdefault("annotations", {})[REVISION] = str(max_rev + 1)
                return self.write(self.rs_rt, rs)
            return rs
        if d["spec"].get("paused"):
            return None
        h = short_hash(template)
        tmpl = copy.deepcopy(template)
        tmpl.setdefault("metadata", {}).setdefault("labels", {})[HASH] = h
        selector = copy.deepcopy(d["spec"]["selector"])
        selector.setdefault("matchLabels", {})[HASH] = h
        desired = d["spec"].get("replicas", 1)
        body = {
            "metadata": {
                "name": f"{d['metadata']['name']}-{h}",
                "namespace": d["metadata"]["namespace"],
                "labels": dict(tmpl["metadata"]["labels"]),
                "ownerReferences": [owner_ref(d)],
                "annotations": {
                    REVISION: str(max_rev + 1),
                    "deployment.kubernetes.io/desired-replicas": str(desired),
                    "deployment.kubernetes.io/max-replicas": str(desired + 1),
                },
            },
            "spec": {
                "replicas": 0,
                "selector": selector,
                "template": tmpl,
                "minReadySeconds": d["spec"].get("minReadySeconds", 0),
            },
        }
        try:
            rs, _ = self.api.create(self.rs_rt, d["metadata"]["namespace"], body, internal=True)
        except Exception:
            return None
        return rs

    def _sync_one(self, d: Obj, owned: list[Obj], now: float) -> float | None:
        spec = d["spec"]
        desired = int(spec.get("replicas", 1))
        new = self._new_rs(d, owned)
        owned = [rs for rs in owned if new is None or rs["metadata"]["uid"] != new["metadata"]["uid"]]
        old = [rs for rs in owned]
        strategy = spec.get("strategy") or {}
        surge, unavailable = resolve_fenceposts(
            (strategy.get("rollingUpdate") or {}).get("maxSurge", "25%"),
            (strategy.get("rollingUpdate") or {}).get("maxUnavailable", "25%"),
            desired,
        )
        if new is not None and not spec.get("paused"):
            if strategy.get("type") == "Recreate":
                self._recreate(d, new, old, desired)
            else:
                self._rolling(d, new, old, desired, surge, unavailable)
        elif spec.get("paused") and new is not None and not any(rs["spec"].get("replicas") for rs in old):
            self._scale(new, desired, d)  # scaling a paused deployment still works
        self._cleanup(d, old)
        if new is not None:
            d = self._sync_revision(d, new)
        return self._status(d, new, old, desired, unavailable, now)

    def _sync_revision(self, d: Obj, new: Obj) -> Obj:
        """The Deployment carries its new ReplicaSet's revision annotation, as kubectl rollout reads it."""
        revision = (new["metadata"].get("annotations") or {}).get(REVISION)
        if revision is None or (d["metadata"].get("annotations") or {}).get(REVISION) == revision:
            return d
        updated = copy.deepcopy(d)
        updated["metadata"].setdefault("annotations", {})[REVISION] = revision
        return self.write(self.d_rt, updated) or d

    def _recreate(self, d: Obj, new: Obj, old: list[Obj], desired: int) -> None:
        active_old = [rs for rs in old if rs["spec"].get("replicas", 0) > 0]
        for rs in active_old:
            self._scale(rs, 0, d)
        if active_old or any(rs.get("status", {}).get("replicas", 0) > 0 for rs in old):
            return
        pods = self.api.store.list(("", "pods"), d["metadata"]["namespace"])
        if any(controlled_by(p, rs["metadata"]["uid"]) for rs in old for p in pods):
            return  # Recreate waits until every old pod is gone
        self._scale(new, desired, d)

    def _rolling(self, d: Obj, new: Obj, old: list[Obj], desired: int, surge: int, unavailable: int) -> None:
        total = sum(rs["spec"].get("replicas", 0) for rs in [new, *old])
        target = new_rs_replicas(desired, surge, new["spec"].get("replicas", 0), total)
        if target != new["spec"].get("replicas", 0):
            self._scale(new, target, d)
            return
        live_old = [rs for rs in old if rs["spec"].get("replicas", 0) > 0]
        if not live_old:
            return
        new_unavailable = new["spec"].get("replicas", 0) - new.get("status", {}).get("availableReplicas", 0)
        budget = old_scale_down(desired, unavailable, total, new_unavailable, [])
        # first old pods that are not available anyway, then available ones while keeping minAvailable
        for rs in sorted(live_old, key=lambda r: r["metadata"]["creationTimestamp"]):
            if budget <= 0:
                break
            spec_n = rs["spec"].get("replicas", 0)
            unhealthy = spec_n - rs.get("status", {}).get("availableReplicas", 0)
            cut = min(max(unhealthy, 0), budget, spec_n)
            if cut:
                self._scale(rs, spec_n - cut, d)
                budget -= cut
                rs["spec"]["replicas"] = spec_n - cut
        available = sum(rs.get("status", {}).get("availableReplicas", 0) for rs in [new, *old])
        budget = min(budget, available - (desired - unavailable))
        for rs in sorted(live_old, key=lambda r: r["metadata"]["creationTimestamp"]):
            if budget <= 0:
                break
            spec_n = rs["spec"].get("replicas", 0)
            cut = min(spec_n, budget)
            if cut:
                self._scale(rs, spec_n - cut, d)
                budget -= cut

    def _cleanup(self, d: Obj, old: list[Obj]) -> None:
        limit = d["spec"].get("revisionHistoryLimit", 10)
        idle = sorted(
            (
                rs
                for rs in old
                if rs["spec"].get("replicas", 0) == 0 and rs.get("status", {}).get("replicas", 0) == 0
            ),
            key=_revision,
        )
        for rs in idle[: max(0, len(idle) - limit)]:
            with contextlib.suppress(LookupError):
                self.api.store.delete(self.rs_rt.key, rs["metadata"]["namespace"], rs["metadata"]["name"])

    def _status(
        self, d: Obj, new: Obj | None, old: list[Obj], desired: int, unavailable: int, now: float
    ) -> float | None:
        status, wake = deployment_status(d, new, old, desired, unavailable, now, self.api.clock.stamp(now))
        self.write_status(self.d_rt, d, status)
        return wake
