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


# --- With a HorizontalPodAutoscaler on stable -------------------------------------------------
#
# The HPA owns stable's size, so `server.replicas` (the size of a first deploy) says nothing about
# the capacity users are being served with. A run sizes against what the HPA chose instead:
#
#     total    = clamp(L, min, max)                   what every split and candidate size starts from
#     promoted = clamp(max(L, C), min, max)           stable's spec.replicas at promotion
#
# L = the live stable's spec.replicas as read before planning, C = the candidate's planned pods
# when promotion starts, [min, max] = the HPA's bounds. The clamp is what the HPA controller would
# do next anyway; the max() means promotion never shrinks stable below what the HPA chose nor
# below what is serving the candidate's share when stable takes all the traffic back. Without an
# HPA on stable both are `server.replicas`, as before.
#
# Worked examples (server.replicas N, L, HPA min..max, C → total, promoted):
#
#     N=2, L=8, 2..10, C=8  → 8, 8     canary to 100 %: the candidate ran 8 pods, stable keeps 8
#     N=2, L=6, 2..10, C=3  → 6, 6     canary ended at 50 % (3 pods): stable keeps the HPA's 6
#     N=2, L=6, 2..10, C=0  → 6, 6     replicas router: stable was scaled down, it comes back to 6
#     N=4, L=1, 2..10, C=0  → 2, 2     below the HPA's min (just created): its min
#     N=2, L=12, 2..10, C=9 → 10, 10   above the HPA's max (a manual scale): its max
#     N=2, L=3, 2..10, C=5  → 3, 5     a candidate larger than stable (no strategy plans one today)
#     N=2, L=8, none,  C=8  → 2, 2     no HPA: server.replicas, exactly as without this rule
#
# Both are read at plan time, and the HPA keeps scaling stable while the run goes on (load rises
# during a canary's pause, or between a crash and the re-run that resumes the stored plan). So a
# write that sets stable to "the HPA's count" (promotion, a rolling update in place) is marked in
# the plan (`ai_deploy_ci.plan.autoscaling.mark_scaled`) and the executor writes
#
#     at write = clamp(max(P, S), min, max)
#
# P = the planned spec.replicas, S = stable's live spec.replicas just before the write: never
# below what the HPA has chosen since. The writes that scale stable down on purpose (the
# `replicas` router's split, with stable's HPA pinned) are not marked and write P.
#
#     P=4, S=7, 2..10 → 7     the HPA scaled up during the run: it keeps its 7
#     P=6, S=3, 2..10 → 6     stable was smaller (the replicas router's split): promotion's 6
#     P=4, S=12, 2..10 → 10   above the HPA's max (a manual scale): its max
#     P=4, absent, 2..10 → 4  no live object: the plan's count


def _clamp(value: int, bounds: tuple[int, int]) -> int:
    lo, hi = bounds
    return max(lo, min(hi, value))


def run_total(server: int, live: int | None = None, hpa: tuple[int, int] | None = None) -> int:
    """The total a run splits and sizes its candidate against (`total` above)."""
    if hpa is None or live is None:
        return server
    return _clamp(live, hpa)


def promoted(server: int, candidate: int, live: int | None = None, hpa: tuple[int, int] | None = None) -> int:
    """Stable's replicas once it takes the candidate's template (`promoted` above)."""
    if hpa is None or live is None:
        return server
    return _clamp(max(live, candidate), hpa)


def at_write(planned: int, live: int | None, hpa: tuple[int, int]) -> int:
    """Stable's spec.replicas as written when an HPA scales it (`at write` above): the planned
    count, or the live one where the HPA has scaled stable above it since, within the bounds."""
    return _clamp(planned if live is None else max(planned, live), hpa)
