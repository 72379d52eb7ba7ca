"""Scheduler: binds pending pods to Nodes with enough allocatable `nvidia.com/gpu` (and a matching
nodeSelector); otherwise PodScheduled=False/Unschedulable and a FailedScheduling Event worded as
kube-scheduler words it. CPU and memory are not accounted (documented)."""

from __future__ import annotations

import copy
from typing import Any

from ..store import Obj
from .base import Controller, condition, gpu_count, gpu_request, set_condition
from .events import Recorder


class Scheduler(Controller):
    def __init__(self, api: Any, recorder: Recorder) -> None:
        super().__init__(api)
        self.events = recorder
        self.pod_rt = self.rt("", "v1", "pods")
        self.node_rt = self.rt("", "v1", "nodes")

    def sync(self, now: float) -> float | None:
        pods = self.api.store.list(self.pod_rt.key)
        pending = [
            p
            for p in pods
            if not p["spec"].get("nodeName")
            and not p["metadata"].get("deletionTimestamp")
            and p.get("status", {}).get("phase", "Pending") == "Pending"
        ]
        if not pending:
            return None
        nodes = [n for n in self.api.store.list(self.node_rt.key) if not n["spec"].get("unschedulable")]
        used: dict[str, int] = {n["metadata"]["name"]: 0 for n in nodes}
        for p in pods:
            node = p["spec"].get("nodeName")
            if node in used and p.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
                used[node] += gpu_request(p["spec"])
        for pod in sorted(pending, key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"])):
            self._schedule(self.api.render(self.pod_rt, pod), nodes, used)
        return None

    def _schedule(self, pod: Obj, nodes: list[Obj], used: dict[str, int]) -> None:
        need = gpu_request(pod["spec"])
        selector = pod["spec"].get("nodeSelector") or {}
        fits, short_gpu, wrong_labels = [], 0, 0
        for n in nodes:
            labels = n["metadata"].get("labels") or {}
            if any(labels.get(k) != v for k, v in selector.items()):
                wrong_labels += 1
                continue
            free = (
                gpu_count((n.get("status", {}).get("allocatable") or {}).get("nvidia.com/gpu", 0))
                - used[n["metadata"]["name"]]
            )
            if need > free:
                short_gpu += 1
                continue
            fits.append((-free, n["metadata"]["name"]))
        stamp = self.api.clock.stamp()
        if fits:
            node = min(fits)[1]
            used[node] += need
            new = copy.deepcopy(pod)
            new["spec"]["nodeName"] = node
            if self.write(self.pod_rt, new) is None:
                return
            fresh = self.api.get(self.pod_rt, pod["metadata"]["namespace"], pod["metadata"]["name"])
            status = copy.deepcopy(fresh.get("status") or {})
            status["conditions"] = set_condition(
                status.get("conditions") or [],
                {"type": "PodScheduled", "status": "True", "lastProbeTime": None},
                stamp,
            )
            self.write_status(self.pod_rt, fresh, status)
            self.events.event(
                pod,
                "Normal",
                "Scheduled",
                f"Successfully assigned {pod['metadata']['namespace']}/{pod['metadata']['name']} to {node}",
                "default-scheduler",
            )
            return
        reasons = []
        if short_gpu:
            reasons.append(f"{short_gpu} Insufficient nvidia.com/gpu")
        if wrong_labels:
            reasons.append(f"{wrong_labels} node(s) didn't match Pod's node affinity/selector")
        message = f"0/{len(nodes)} nodes are available: {', '.join(reasons) or 'no nodes available'}."
        if short_gpu:
            message += (
                f" preemption: 0/{len(nodes)} nodes are available: {short_gpu} No preemption victims "
                "found for incoming pod."
            )
        current = condition(pod, "PodScheduled")
        if current and current.get("status") == "False" and current.get("message") == message:
            return
        status = copy.deepcopy(pod.get("status") or {})
        status["phase"] = "Pending"
        status["conditions"] = set_condition(
            status.get("conditions") or [],
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": message,
                "lastProbeTime": None,
            },
            stamp,
        )
        self.write_status(self.pod_rt, pod, status)
        self.events.event(pod, "Warning", "FailedScheduling", message, "default-scheduler")
