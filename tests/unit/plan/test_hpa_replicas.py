"""Replica arithmetic with an HPA on stable, table-driven (Argo's `utils/replicaset/canary.go` style).

The HPA, not `server.replicas`, owns stable's size, so every count a run plans starts from what
the HPA chose: the live stable's spec.replicas L, clamped to the HPA's [min, max]. Promotion keeps
stable at clamp(max(L, C), min, max) — C the candidate's planned pods when promotion starts — so
a model server the HPA scaled to 6 is never dropped to `server.replicas` and scaled back up.

Worked examples (N = server.replicas = 2, HPA 2..10, stable scaled by the HPA to L = 6; the
canary steps are setWeight 25, 50, 100 unless said otherwise):

    canary, gatewayAPI   candidate ⌈6·25/100⌉=2, ⌈6·50/100⌉=3, 6 pods   → stable promoted at 6
    canary, replicas     candidate/stable 2/5 (25 %), 3/3 (50 %)        → stable back to 6
                         (steps 25, 50; split as in `ai_deploy_ci.plan.replicas`, of L = 6)
    blueGreen            green 6 (carries all of blue's traffic at the switch) → blue 6
    abTest / shadow      candidate ⌈6·50/100⌉ = 3                        → stable 6
    rolling / recreate   stable updated in place at 6
    no HPA               N rules, as before: canary 1, 1, 2 pods → stable 2
    L = 1 (below min 2)  total 2;  L = 12 (above max 10) total 10 — what the HPA does next anyway

GPU preflight replays the same counts: blue/green with L = 8 needs green 8 + a 25 % surge of 2
pods when blue is rolled out = 10 extra pods, not the 2 + 1 of `server.replicas`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from ai_deploy_ci.plan import autoscaling, replicas
from ai_deploy_ci.plan.capacity import extra_pods
from ai_deploy_ci.plan.model import Plan
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.plan.registry import make_plan
from ai_deploy_ci.spec.model import CanaryStep
from tests.unit.engine.specs import make_spec, stable_hpa, state_with_stable

T = TypeVar("T")

# server.replicas N, live L, HPA bounds (None: no HPA), candidate C → run_total, promoted
ARITHMETIC = [
    (2, 8, (2, 10), 8, 8, 8),  # canary to 100 %: the candidate ran 8 pods, stable keeps 8
    (2, 6, (2, 10), 3, 6, 6),  # ended at 50 % (3 pods): stable keeps the HPA's 6
    (2, 6, (2, 10), 0, 6, 6),  # replicas router: stable was scaled down; it comes back to 6
    (4, 1, (2, 10), 0, 2, 2),  # below the HPA's min: its min
    (2, 12, (2, 10), 9, 10, 10),  # above the HPA's max (a manual scale): its max
    (2, 3, (2, 10), 5, 3, 5),  # a candidate larger than stable: stable matches it
    (2, 8, None, 8, 2, 2),  # no HPA: server.replicas, as before
    (2, None, (2, 10), 8, 2, 2),  # no live stable (first deploy): server.replicas
]


@pytest.mark.parametrize(
    ("server", "live", "hpa", "candidate", "total", "promoted"),
    ARITHMETIC,
    ids=["to-100", "at-50", "replicas-router", "below-min", "above-max", "big-candidate", "no-hpa", "first"],
)
def test_arithmetic(
    server: int, live: int | None, hpa: tuple[int, int] | None, candidate: int, total: int, promoted: int
) -> None:
    assert replicas.run_total(server, live, hpa) == total
    assert replicas.promoted(server, candidate, live, hpa) == promoted
    assert promoted >= min(total, hpa[1] if hpa else total)  # promotion never shrinks below the total


def _state(strategy: str, router: str, live: int, hpa: tuple[int, int] | None, **kw: Any) -> Plan:
    spec = make_spec(strategy, router, replicas=2, **kw)
    state = state_with_stable(spec, hpa=stable_hpa(spec, *hpa) if hpa else None)
    assert state.stable is not None
    state.stable["spec"]["replicas"] = live  # what the HPA scaled stable to
    return make_plan(spec, state)


def _deployments(plan: Plan, what: Callable[[dict[str, Any]], T]) -> list[tuple[str, str, T]]:
    """(step kind, track, what(manifest)) for every Deployment a step writes, in write order."""
    return [
        (step.kind, "stable" if o["metadata"]["name"] == plan.name else "candidate", what(o))
        for step in plan.steps
        for o in (*step.apply, *step.route_objects)
        if o["kind"] == "Deployment"
    ]


def _sizes(plan: Plan) -> list[tuple[str, str, int]]:
    """(step kind, track, replicas) for every Deployment a step writes, in write order."""
    return _deployments(plan, lambda o: int(o["spec"]["replicas"]))


STEPS_25_50_100 = (CanaryStep(set_weight=25), CanaryStep(set_weight=50), CanaryStep(set_weight=100))
STEPS_25_50 = (CanaryStep(set_weight=25), CanaryStep(set_weight=50))

# (strategy, router, live L, HPA bounds, canary steps) → Deployment writes
PLANS: list[tuple[str, str, int, tuple[int, int] | None, Any, list[tuple[str, str, int]]]] = [
    (
        "canary",
        "gatewayAPI",
        6,
        (2, 10),
        STEPS_25_50_100,
        [
            ("apply", "candidate", 2),
            ("setWeight", "candidate", 2),
            ("setWeight", "candidate", 3),
            ("setWeight", "candidate", 6),
            ("promote", "stable", 6),  # not server.replicas = 2
        ],
    ),
    (
        "canary",
        "replicas",
        6,
        (2, 10),
        STEPS_25_50,
        [
            ("apply", "candidate", 0),
            ("setWeight", "candidate", 2),
            ("setWeight", "stable", 5),  # 25 % of 6: 2 candidate / 5 stable
            ("setWeight", "candidate", 3),
            ("setWeight", "stable", 3),  # 50 % of 6: 3 / 3
            ("promote", "stable", 6),  # back to what the HPA chose, with the HPA's bounds restored
        ],
    ),
    ("blueGreen", "service", 6, (2, 10), None, [("apply", "candidate", 6), ("promote", "stable", 6)]),
    ("abTest", "gatewayAPI", 6, (2, 10), None, [("apply", "candidate", 3), ("promote", "stable", 6)]),
    ("shadow", "istio", 6, (2, 10), None, [("apply", "candidate", 3), ("promote", "stable", 6)]),
    # rolling: updated, paused after its first new pods (side-by-side gate), resumed: all at 6
    ("rolling", "service", 6, (2, 10), None, [("apply", "stable", 6)] * 3),
    ("recreate", "service", 6, (2, 10), None, [("apply", "stable", 6)]),
    ("rolling", "service", 1, (2, 10), None, [("apply", "stable", 2)] * 3),  # below min: the HPA's min
    ("blueGreen", "service", 12, (2, 10), None, [("apply", "candidate", 10), ("promote", "stable", 10)]),
    (  # no HPA: server.replicas (2) whatever the live count, exactly as before
        "canary",
        "gatewayAPI",
        6,
        None,
        STEPS_25_50_100,
        [
            ("apply", "candidate", 1),
            ("setWeight", "candidate", 1),
            ("setWeight", "candidate", 1),
            ("setWeight", "candidate", 2),
            ("promote", "stable", 2),
        ],
    ),
]


@pytest.mark.parametrize(
    ("strategy", "router", "live", "hpa", "steps", "expected"),
    PLANS,
    ids=[
        "canary-weighted",
        "canary-replicas",
        "blueGreen",
        "abTest",
        "shadow",
        "rolling",
        "recreate",
        "rolling-below-min",
        "blueGreen-above-max",
        "canary-no-hpa",
    ],
)
def test_planned_sizes(
    strategy: str,
    router: str,
    live: int,
    hpa: tuple[int, int] | None,
    steps: Any,
    expected: list[tuple[str, str, int]],
) -> None:
    kw = {"canary_steps": steps} if steps is not None else {}
    plan = _state(strategy, router, live, hpa, **kw)
    assert _sizes(plan) == expected
    if hpa is not None:  # the promoted / updated stable never below what the HPA chose (within bounds)
        final = [n for _, track, n in _sizes(plan) if track == "stable"][-1]
        assert final >= min(max(live, hpa[0]), hpa[1])


def test_an_hpa_on_another_deployment_changes_nothing() -> None:
    spec = make_spec("canary", "gatewayAPI", replicas=2, canary_steps=STEPS_25_50_100)
    other = stable_hpa(spec)
    other["spec"]["scaleTargetRef"] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "other"}  # type: ignore[index]
    state = state_with_stable(spec, hpa=other)
    assert state.stable is not None
    state.stable["spec"]["replicas"] = 6
    assert _sizes(make_plan(spec, state))[-1] == ("promote", "stable", 2)


@pytest.mark.parametrize(
    ("live", "hpa", "expected"),
    [(8, (2, 10), 10), (8, None, 3)],  # green 8 + 2 surge pods; without an HPA green 2 + 1 surge pod
    ids=["hpa", "no-hpa"],
)
def test_gpu_peak_uses_the_planned_counts(live: int, hpa: tuple[int, int] | None, expected: int) -> None:
    plan = _state("blueGreen", "service", live, hpa)
    assert extra_pods(plan, live) == expected


def test_a_promoted_hpa_scaled_stable_is_up_to_date() -> None:
    """After promotion stable runs the new template at the HPA's count: a re-run has nothing to do
    (it compared the count with server.replicas and re-ran the whole canary)."""
    spec = make_spec("canary", "gatewayAPI", replicas=2)
    plan = _state("canary", "gatewayAPI", 6, (2, 10))
    [promote] = [s for s in plan.steps if s.kind == "promote"]
    promoted = next(o for o in promote.apply if o["kind"] == "Deployment")
    after = ObservedState(run=state_with_stable(spec).run, stable=promoted, hpa=stable_hpa(spec, 2, 10))
    assert make_plan(spec, after).steps == ()
    scaled_by_hpa = {**promoted, "spec": {**promoted["spec"], "replicas": 9}}
    assert make_plan(spec, ObservedState(run=after.run, stable=scaled_by_hpa, hpa=after.hpa)).steps == ()
    assert make_plan(spec, ObservedState(run=after.run, stable=scaled_by_hpa)).steps != ()  # no HPA: 9 ≠ 2


# --- at write time: the HPA may have scaled stable since the plan was made --------------------

# planned P, stable's live spec.replicas S (None: absent), HPA bounds → what the executor writes
AT_WRITE = [
    (4, 7, (2, 10), 7),  # the HPA scaled up during the run: it keeps its 7
    (4, 4, (2, 10), 4),  # unchanged since planning
    (6, 3, (2, 10), 6),  # stable smaller than planned (the replicas router's split): the plan's 6
    (4, 12, (2, 10), 10),  # above the HPA's max (a manual scale): its max
    (1, 1, (2, 10), 2),  # below the HPA's min: its min
    (4, None, (2, 10), 4),  # no live object: the plan's count
    (4, 0, (2, 10), 4),  # scaled to 0 by hand: the plan's count
]


@pytest.mark.parametrize(
    ("planned", "live", "hpa", "expected"),
    AT_WRITE,
    ids=["scaled-up", "same", "split", "above-max", "below-min", "absent", "zero"],
)
def test_at_write(planned: int, live: int | None, hpa: tuple[int, int], expected: int) -> None:
    assert replicas.at_write(planned, live, hpa) == expected


def _deployment(replicas_: int | None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "sentiment", "namespace": "ml"}
    if annotations is not None:
        meta["annotations"] = annotations
    spec: dict[str, Any] = {} if replicas_ is None else {"replicas": replicas_}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


# planned count, extra annotations, live count (None: absent object, "unset": no spec.replicas) → written
KEEP_SCALE: list[tuple[int, dict[str, str], int | str | None, int]] = [
    (4, {}, 7, 7),
    (4, {"ai-deploy-ci.io/run-id": "r"}, 7, 7),  # other annotations stay
    (6, {}, 3, 6),
    (4, {}, None, 4),
    (4, {}, "unset", 4),  # the API server's default of 1 is below the plan
    (4, {}, 12, 10),
]


@pytest.mark.parametrize(("planned", "other", "live", "expected"), KEEP_SCALE)
def test_keep_scale_consumes_the_directive(
    planned: int, other: dict[str, str], live: int | str | None, expected: int
) -> None:
    desired = autoscaling.mark_scaled(_deployment(planned, dict(other)), (2, 10))
    frozen = copy.deepcopy(desired)
    live_obj = None if live is None else _deployment(None if live == "unset" else int(live))
    out = autoscaling.keep_scale(desired, live_obj)
    assert out["spec"]["replicas"] == expected
    assert out["metadata"].get("annotations", {}) == other  # the directive is never written
    assert desired == frozen  # pure: the plan's manifest is left as it was


def test_keep_scale_leaves_an_unmarked_deployment_alone() -> None:
    """The replicas router's split scales stable down on purpose: unmarked, written as planned."""
    desired = _deployment(3)
    assert autoscaling.keep_scale(desired, _deployment(7)) == desired


def _marks(plan: Plan) -> list[tuple[str, str, bool]]:
    """(step kind, track, marked for the HPA) for every Deployment a step writes, in write order."""
    return _deployments(plan, lambda o: autoscaling.ANN_SCALED in (o["metadata"].get("annotations") or {}))


# (strategy, router, HPA bounds or None) → which Deployment writes carry the directive
MARKS: list[tuple[str, str, tuple[int, int] | None, list[tuple[str, str, bool]]]] = [
    (
        "canary",
        "gatewayAPI",
        (2, 10),
        [
            ("apply", "candidate", False),
            ("setWeight", "candidate", False),
            ("setWeight", "candidate", False),
            ("promote", "stable", True),
        ],
    ),
    (  # the split scales stable down on purpose (its HPA pinned): unmarked; promotion marked
        "canary",
        "replicas",
        (2, 10),
        [
            ("apply", "candidate", False),
            ("setWeight", "candidate", False),
            ("setWeight", "stable", False),
            ("setWeight", "candidate", False),
            ("setWeight", "stable", False),
            ("promote", "stable", True),
        ],
    ),
    ("blueGreen", "service", (2, 10), [("apply", "candidate", False), ("promote", "stable", True)]),
    ("rolling", "service", (2, 10), [("apply", "stable", True)] * 3),
    ("recreate", "service", (2, 10), [("apply", "stable", True)]),
    ("blueGreen", "service", None, [("apply", "candidate", False), ("promote", "stable", False)]),
    ("rolling", "service", None, [("apply", "stable", False)] * 3),
]


@pytest.mark.parametrize(
    ("strategy", "router", "hpa", "expected"),
    MARKS,
    ids=[
        "canary-weighted",
        "canary-replicas",
        "blueGreen",
        "rolling",
        "recreate",
        "bg-no-hpa",
        "rolling-no-hpa",
    ],
)
def test_stable_writes_at_the_hpa_count_are_marked(
    strategy: str, router: str, hpa: tuple[int, int] | None, expected: list[tuple[str, str, bool]]
) -> None:
    steps = STEPS_25_50 if strategy == "canary" else None
    kw = {"canary_steps": steps} if steps is not None else {}
    plan = _state(strategy, router, 6, hpa, **kw)
    assert _marks(plan) == expected
    marked = [
        o
        for s in plan.steps
        for o in s.apply
        if autoscaling.ANN_SCALED in (o["metadata"].get("annotations") or {})
    ]
    for o in marked:  # the directive carries the HPA's bounds
        assert json.loads(o["metadata"]["annotations"][autoscaling.ANN_SCALED]) == {
            "minReplicas": 2,
            "maxReplicas": 10,
        }
