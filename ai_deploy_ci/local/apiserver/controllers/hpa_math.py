"""The HPA's replica arithmetic (pure), after kubernetes/kubernetes pkg/controller/podautoscaler.

- `metric_proposal`: replica_calculator.go `GetResourceReplicas` — ratio = utilisation / target;
  inside the 10 % tolerance keep the current count, else ceil(ratio × pods).
- `stabilize`: horizontal.go `stabilizeRecommendationWithBehaviors` — the scale-up window takes the
  lowest recent recommendation, the scale-down window the highest (default 300 s), so a dip in
  load does not shrink the workload at once.
- `limit`: `calculateScaleUpLimitWithBehaviors` / `calculateScaleDownLimitWithBehaviors` with
  `selectPolicy` (per sync rather than per policy period: no scale-event history is kept), then
  min/max clamping with the ScalingLimited reason.

>>> metric_proposal(current=2, utilization=160, target=80)
4
>>> metric_proposal(current=4, utilization=84, target=80)   # within tolerance
4
>>> stabilize(current=6, proposal=2, history=[(0.0, 6), (100.0, 4)], now=200.0, up_window=0, down_window=300)
6
"""

from __future__ import annotations

import math
from typing import Any

TOLERANCE = 0.1  # --horizontal-pod-autoscaler-tolerance


def metric_proposal(current: int, utilization: float, target: float) -> int:
    ratio = utilization / target
    if abs(1.0 - ratio) <= TOLERANCE:
        return current
    return math.ceil(ratio * current)


def stabilize(
    current: int,
    proposal: int,
    history: list[tuple[float, int]],
    now: float,
    up_window: float,
    down_window: float,
) -> int:
    """The recommendation after the stabilisation windows (history: (time, proposal), older first)."""
    up = down = proposal
    for at, rec in history:
        if at > now - up_window:
            up = min(up, rec)
        if at > now - down_window:
            down = max(down, rec)
    out = max(current, up)
    return min(out, down)


def _policy_limit(current: int, policy: dict[str, Any], up: bool) -> int:
    value = int(policy.get("value", 0))
    if policy.get("type") == "Pods":
        return current + value if up else current - value
    if up:
        return math.ceil(current * (1 + value / 100))
    return int(current * (1 - value / 100))


def limit(current: int, desired: int, rules: dict[str, Any], up: bool) -> int:
    """Rate limit of one direction's policies (`selectPolicy` Max = the most change allowed)."""
    select = rules.get("selectPolicy", "Max")
    if select == "Disabled":
        return current
    limits = [_policy_limit(current, p, up) for p in rules.get("policies") or []]
    if not limits:
        return desired
    if up:
        bound = max(limits) if select == "Max" else min(limits)
        return min(desired, bound)
    bound = min(limits) if select == "Max" else max(limits)
    return max(desired, bound)


def clamp(desired: int, low: int, high: int) -> tuple[int, str, str]:
    """(replicas, ScalingLimited status, reason) as horizontal.go sets the condition."""
    if desired < low:
        return low, "True", "TooFewReplicas"
    if desired > high:
        return high, "True", "TooManyReplicas"
    return desired, "False", "DesiredWithinRange"
