"""ReplicaSet controller: keep `spec.replicas` active pods, and report replicas / ready / available
(available = Ready for at least minReadySeconds of cluster time)."""

from __future__ import annotations

import copy
import random
from typing import Any

from .. import mutations
from ..clock import parse_time
from ..errors import ApiError
from ..store import Obj
from .base import Controller, condition, controlled_by, owner_ref, pod_active, pod_ready
from .events import Recorder

_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def _delete_rank(pod: Obj) -> tuple[int, int, int, float]:
    """Which pods go first when scaling down: unscheduled, pending, not ready, then the newest."""
    st = pod.get("status", {})
    return (
        0 if not pod["spec"].get("nodeName") else 1,
        0 if st.get("phase") == "Pending" else 1,
        1 if pod_ready(pod) else 0,
        -(parse_time(pod["metadata"].get("creationTimestamp")) or 0.0),
    )


class ReplicaSetController(Controller):
    def __init__(self, api: Any, recorder: Recorder) -> None:
        super().__init__(api)
        self.events = recorder
        self.rs_rt = self.rt("apps", "v1", "replicasets")
        self.pod_rt = self.rt("", "v1", "pods")
        self._rng = random.Random()

    def sync(self, now: float) -> float | None:
        wake: float | None = None
        pods = self.api.store.list(self.pod_rt.key)
        for rs in self.api.store.list(self.rs_rt.key):
            rs = self.api.render(self.rs_rt, rs)
            if rs["metadata"].get("deletionTimestamp"):
                continue
            mine = [p for p in pods if controlled_by(p, rs["metadata"]["uid"])]
            due = self._sync_one(rs, mine, now)
            if due is not None:
                wake = due if wake is None else min(wake, due)
        return wake

    def _sync_one(self, rs: Obj, pods: list[Obj], now: float) -> float | None:
        active = [p for p in pods if pod_active(p)]
        want = int(rs["spec"].get("replicas", 1))
        ns = rs["metadata"]["namespace"]
        if len(active) < want:
            for _ in range(want - len(active)):
                self._create_pod(rs)
        elif len(active) > want:
            for pod in sorted(active, key=_delete_rank)[: len(active) - want]:
                try:
                    mutations.delete(self.api, self.pod_rt, ns, pod["metadata"]["name"], {})
                    self.events.event(
                        rs,
                        "Normal",
                        "SuccessfulDelete",
                        f"Deleted pod: {pod['metadata']['name']}",
                        "replicaset-controller",
                    )
                except ApiError:
                    pass
        min_ready = float(rs["spec"].get("minReadySeconds", 0))
        ready = [p for p in active if pod_ready(p)]
        available, wake = 0, None
        for p in ready:
            since = parse_time((condition(p, "Ready") or {}).get("lastTransitionTime")) or now
            if now - since >= min_ready:
                available += 1
            else:
                left = since + min_ready - now + 0.001
                wake = left if wake is None else min(wake, left)
        labels = (rs["spec"]["template"].get("metadata") or {}).get("labels") or {}
        status: Obj = {
            "replicas": len(active),
            "fullyLabeledReplicas": sum(
                1
                for p in active
                if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())
            ),
            "readyReplicas": len(ready),
            "availableReplicas": available,
            "observedGeneration": rs["metadata"].get("generation", 1),
        }
        terminating = sum(1 for p in pods if p["metadata"].get("deletionTimestamp"))
        if terminating:
            status["terminatingReplicas"] = terminating
        status = {k: v for k, v in status.items() if v or k in ("replicas", "observedGeneration")}
        self.write_status(self.rs_rt, rs, status)
        return wake

    def _create_pod(self, rs: Obj) -> None:
        tmpl = copy.deepcopy(rs["spec"]["template"])
        meta = tmpl.get("metadata") or {}
        name = f"{rs['metadata']['name']}-{''.join(self._rng.choice(_CHARS) for _ in range(5))}"
        body: Obj = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": rs["metadata"]["namespace"],
                "labels": meta.get("labels") or {},
                "annotations": meta.get("annotations") or {},
                "ownerReferences": [owner_ref(rs)],
            },
            "spec": tmpl.get("spec") or {},
        }
        if not body["metadata"]["annotations"]:
            del body["metadata"]["annotations"]
        try:
            self.api.create(self.pod_rt, rs["metadata"]["namespace"], body, internal=True)
        except ApiError:
            return
        self.events.event(rs, "Normal", "SuccessfulCreate", f"Created pod: {name}", "replicaset-controller")
