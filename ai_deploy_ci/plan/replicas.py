"""Weight ↔ replica arithmetic.

The rounding rule (Argo Rollouts' basic canary, `utils/replicaset/canary.go`): for N total
replicas and a candidate weight w %,

    candidate = ceil(N · w / 100)        stable = ceil(N · (100 − w) / 100)

Both round *up*, so a non-zero weight always gets at least one pod and the stable side never
drops below the capacity the weight leaves it; the sum may exceed N by one (a one-pod surge).
With the `replicas` router (traffic ∝ ready pods behind one Service) the traffic share actually
reached is candidate / (candidate + stable), which `effective_weight` reports.

Worked examples (N, w → candidate, stable, effective %):

    10, 10 → 1, 9  → 10.0      every step is exact when N is a multiple of 100/w
     3, 10 → 1, 3  → 25.0      a small N over-shoots a small weight: one pod is 25 %
     1, 50 → 1, 1  → 50.0      the one-pod surge keeps stable serving
     4, 33 → 2, 3  → 40.0
     5,  0 → 0, 5  → 0.0       0 and 100 are exact: no surge
     5, 100 → 5, 0 → 100.0

With weighted routers (Gateway API, Istio, NGINX) the router splits requests exactly; the
candidate still gets ceil(N · w / 100) pods (at least one) so its capacity follows its share.
"""

from __future__ import annotations


def split(total: int, weight: int) -> tuple[int, int]:
    """(candidate, stable) replica counts for `weight` % on the candidate, by the rule above."""
    if not 0 <= weight <= 100:
        raise ValueError(f"weight must be within 0..100, got {weight}")
    if total < 0:
        raise ValueError(f"replicas must be ≥ 0, got {total}")
    # Integer arithmetic: float ceil(3 * 0.7 * 100 / 100) can land on 2.1000000000000001.
    candidate = -(-total * weight // 100)
    stable = -(-total * (100 - weight) // 100)
    return candidate, stable


def effective_weight(candidate: int, stable: int) -> float:
    """The candidate's share of ready pods, in percent (what a plain Service actually sends)."""
    total = candidate + stable
    return 0.0 if total == 0 else round(100.0 * candidate / total, 1)


def candidate_replicas(total: int, weight: int) -> int:
    """Pods the candidate needs behind a weighted router: its share, at least one."""
    return max(1, split(total, weight)[0])
