"""HorizontalPodAutoscaler controller: resizes a workload through its replicas, as
kube-controller-manager's podautoscaler (horizontal.go `reconcileAutoscaler`) does.

Every sync period (15 s of cluster time) and whenever an HPA changes: a target below
`minReplicas` or above `maxReplicas` is moved into range; otherwise the metrics stand-in
(`api.metrics`) proposes a count, stabilised (scale-down window 300 s by default) and rate-limited
by `behavior`, then clamped. A target at 0 replicas is left alone (autoscaling disabled). Status
gets currentReplicas/desiredReplicas, currentMetrics, lastScaleTime and the AbleToScale /
ScalingActive / ScalingLimited conditions. Only Resource metrics with a Utilization target are
measured; other metric types report `ScalingActive=False` (no custom-metrics adapter here).
"""

from __future__ import annotations

import copy
from typing import Any

from ..store import Obj
from . import hpa_math
from .base import Controller, set_condition
from .events import Recorder

SYNC_PERIOD = 15.0  # --horizontal-pod-autoscaler-sync-period
DOWNSCALE_WINDOW = 300.0  # --horizontal-pod-autoscaler-downscale-stabilization
DEFAULT_UP = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": []}
TARGETS = {"Deployment": "deployments", "ReplicaSet": "replicasets", "StatefulSet": "statefulsets"}


class HpaController(Controller):
    def __init__(self, api: Any, recorder: Recorder) -> None:
        super().__init__(api)
        self.events = recorder
        self.hpa_rt = self.rt("autoscaling", "v2", "horizontalpodautoscalers")
        self._due: dict[str, tuple[float, Any]] = {}  # uid → (next sync, generation seen)
        self._history: dict[str, list[tuple[float, int]]] = {}

    def sync(self, now: float) -> float | None:
        wake: float | None = None
        live = set()
        for hpa in self.api.store.list(self.hpa_rt.key):
            uid = hpa["metadata"]["uid"]
            live.add(uid)
            due, generation = self._due.get(uid, (now, None))
            if now >= due or generation != hpa["metadata"].get("generation"):
                self._reconcile(self.api.render(self.hpa_rt, copy.deepcopy(hpa)), now)
                due = now + SYNC_PERIOD
                self._due[uid] = (due, hpa["metadata"].get("generation"))
            wake = due - now if wake is None else min(wake, due - now)
        for uid in set(self._due) - live:
            self._due.pop(uid, None)
            self._history.pop(uid, None)
        return wake

    def _reconcile(self, hpa: Obj, now: float) -> None:
        spec, meta = hpa["spec"], hpa["metadata"]
        ns, ref = meta["namespace"], spec.get("scaleTargetRef") or {}
        stamp = self.api.clock.stamp()
        status: Obj = copy.deepcopy(hpa.get("status") or {})
        conditions = status.get("conditions") or []
        plural = TARGETS.get(ref.get("kind", ""))
        target_rt = self.rt("apps", "v1", plural) if plural else None
        target = self.api.store.get(target_rt.key, ns, ref.get("name", "")) if target_rt else None
        if target is None or target_rt is None:
            conditions = set_condition(
                conditions,
                {
                    "type": "AbleToScale",
                    "status": "False",
                    "reason": "FailedGetScale",
                    "message": f"the HPA controller was unable to get the target's current scale: "
                    f'{(plural or ref.get("kind", "")).lower()} "{ref.get("name", "")}" not found',
                },
                stamp,
            )
            self.write_status(self.hpa_rt, hpa, {**status, "conditions": conditions})
            return
        current = int(target["spec"].get("replicas", 1))
        low, high = int(spec.get("minReplicas", 1)), int(spec["maxReplicas"])
        metrics_status: list[Obj] = status.get("currentMetrics") or []
        limited = ("False", "DesiredWithinRange", "the desired count is within the acceptable range")
        if current == 0 and low != 0:
            desired = 0
            active = (
                "False",
                "ScalingDisabled",
                "scaling is disabled since the replica count of the target is zero",
            )
        elif current > high:
            desired, active = high, None
            limited = (
                "True",
                "TooManyReplicas",
                "the desired replica count is more than the maximum replica count",
            )
        elif current < low:
            desired, active = low, None
            limited = (
                "True",
                "TooFewReplicas",
                "the desired replica count is less than the minimum replica count",
            )
        else:
            proposal, metrics_status, failure = self._propose(spec, ns, ref["name"], current)
            if proposal is None:
                desired = current
                active = ("False", "FailedGetResourceMetric", failure)
            else:
                active = (
                    "True",
                    "ValidMetricFound",
                    "the HPA was able to successfully calculate a replica count",
                )
                desired, limited = self._normalize(meta["uid"], spec, current, proposal, now)
        if active is not None:
            conditions = set_condition(
                conditions,
                {"type": "ScalingActive", "status": active[0], "reason": active[1], "message": active[2]},
                stamp,
            )
        rescale = desired != current and not (current == 0 and low != 0)
        if rescale:
            obj = self.api.render(target_rt, copy.deepcopy(target))
            obj["spec"]["replicas"] = desired
            if self.write(target_rt, obj) is None:
                return  # a concurrent write: try next pass
            status["lastScaleTime"] = stamp
            direction = "above" if desired > current else "below"
            self.events.event(
                hpa,
                "Normal",
                "SuccessfulRescale",
                f"New size: {desired}; reason: metric {direction} target"
                if active
                else f"New size: {desired}; reason: {limited[1]}",
                "horizontal-pod-autoscaler",
            )
        able = (
            (
                "True",
                "SucceededRescale",
                f"the HPA controller was able to update the target scale to {desired}",
            )
            if rescale
            else ("True", "ReadyForNewScale", "recommended size matches current size")
        )
        conditions = set_condition(
            conditions,
            {"type": "AbleToScale", "status": able[0], "reason": able[1], "message": able[2]},
            stamp,
        )
        conditions = set_condition(
            conditions,
            {"type": "ScalingLimited", "status": limited[0], "reason": limited[1], "message": limited[2]},
            stamp,
        )
        status.update(
            {
                "observedGeneration": meta.get("generation"),
                "currentReplicas": current,
                "desiredReplicas": desired,
                "currentMetrics": metrics_status or None,
                "conditions": conditions,
            }
        )
        self.write_status(self.hpa_rt, hpa, {k: v for k, v in status.items() if v is not None})

    def _propose(self, spec: Obj, ns: str, name: str, current: int) -> tuple[int | None, list[Obj], str]:
        """The highest proposal over the measurable metrics (as `computeReplicasForMetrics`)."""
        proposals: list[int] = []
        statuses: list[Obj] = []
        failure = (
            "the HPA was unable to compute the replica count: no metrics returned from resource metrics API"
        )
        for m in spec.get("metrics") or []:
            source = m.get("resource") if m.get("type") == "Resource" else None
            target = (source or {}).get("target") or {}
            if source is None or target.get("type") != "Utilization":
                failure = (
                    "the HPA was unable to compute the replica count: "
                    f"{m.get('type')} metrics are not served here"
                )
                continue
            used = self.api.metrics.utilization(ns, name, source["name"])
            if used is None:
                continue
            proposals.append(hpa_math.metric_proposal(current, used, float(target["averageUtilization"])))
            statuses.append(
                {
                    "type": "Resource",
                    "resource": {"name": source["name"], "current": {"averageUtilization": round(used)}},
                }
            )
        return (max(proposals) if proposals else None), statuses, failure

    def _normalize(
        self, uid: str, spec: Obj, current: int, proposal: int, now: float
    ) -> tuple[int, tuple[str, str, str]]:
        behavior = spec.get("behavior") or {}
        up_rules: Obj = behavior.get("scaleUp") or DEFAULT_UP
        down_rules: Obj = behavior.get("scaleDown") or {
            "stabilizationWindowSeconds": DOWNSCALE_WINDOW,
            "policies": [],
        }
        history = self._history.setdefault(uid, [])
        up_w = float(up_rules.get("stabilizationWindowSeconds", 0))
        down_w = float(down_rules.get("stabilizationWindowSeconds", DOWNSCALE_WINDOW))
        stabilized = hpa_math.stabilize(current, proposal, history, now, up_w, down_w)
        history.append((now, proposal))
        keep = max(up_w, down_w)
        history[:] = [(t, r) for t, r in history if t > now - keep]
        if behavior:
            limited = hpa_math.limit(
                current, stabilized, up_rules if stabilized > current else down_rules, stabilized > current
            )
        else:  # no behavior: `calculateScaleUpLimit` = max(2 × current, 4)
            limited = min(stabilized, max(2 * current, 4))
        desired, state, reason = hpa_math.clamp(
            limited, int(spec.get("minReplicas", 1)), int(spec["maxReplicas"])
        )
        messages = {
            "TooFewReplicas": "the desired replica count is less than the minimum replica count",
            "TooManyReplicas": "the desired replica count is more than the maximum replica count",
            "DesiredWithinRange": "the desired count is within the acceptable range",
        }
        return desired, (state, reason, messages[reason])
