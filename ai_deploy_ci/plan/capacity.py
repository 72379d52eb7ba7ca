"""GPU arithmetic for preflight, pure: how many extra pods a plan needs at its peak, and how
many GPUs are free on schedulable nodes.

The peak is found by replaying the plan's Deployment replica counts step by step, plus the
rolling-update surge when a Deployment's template changes (maxSurge of 25 % rounds up, as the
Deployment controller does). Blue/green therefore needs twice the stable size. `current_pods` is
stable's spec.replicas from the same read the plan was made from, and the plan's counts follow an
HPA on stable (`ai_deploy_ci.plan.replicas.run_total`), so the peak is the one the run will reach.
"""

from __future__ import annotations

import math
from typing import Any

from ai_deploy_ci.plan.model import Plan

GPU = "nvidia.com/gpu"


def extra_pods(plan: Plan, current_pods: int) -> int:
    """Pods beyond what runs now at the plan's most crowded moment."""
    replicas: dict[str, int] = {plan.name: current_pods}
    peak = current_pods
    for step in plan.steps:
        for obj in (*step.apply, *step.route_objects):
            if obj.get("kind") != "Deployment":
                continue
            name, want = obj["metadata"]["name"], int(obj["spec"].get("replicas", 1))
            surge = _surge(obj, want) if replicas.get(name, 0) > 0 else 0  # a create has no surge
            peak = max(
                peak,
                sum(replicas.values()) - replicas.get(name, 0) + max(want, replicas.get(name, 0)) + surge,
            )
            replicas[name] = want
        for ref in step.delete:
            if ref.kind == "Deployment":
                replicas.pop(ref.name, None)
        peak = max(peak, sum(replicas.values()))
    return max(0, peak - current_pods)


def _surge(dep: dict[str, Any], replicas: int) -> int:
    strategy = dep["spec"].get("strategy", {})
    if strategy.get("type") == "Recreate":
        return 0
    value = strategy.get("rollingUpdate", {}).get("maxSurge", "25%")
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(replicas * int(value[:-1]) / 100)
    return int(value)


def free_gpus(nodes: list[dict[str, Any]], pods: list[dict[str, Any]]) -> int:
    """Allocatable minus requested nvidia.com/gpu over schedulable, Ready nodes."""
    usable = {}
    for node in nodes:
        if node.get("spec", {}).get("unschedulable"):
            continue
        ready = any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in node.get("status", {}).get("conditions", [])
        )
        if ready:
            usable[node["metadata"]["name"]] = int(str(node["status"].get("allocatable", {}).get(GPU, "0")))
    for pod in pods:
        node = pod.get("spec", {}).get("nodeName")
        if node not in usable or pod.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            continue
        for c in pod["spec"].get("containers", []):
            res = c.get("resources", {})
            usable[node] -= int(str(res.get("requests", {}).get(GPU) or res.get("limits", {}).get(GPU) or 0))
    return max(0, sum(usable.values()))
