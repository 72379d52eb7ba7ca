"""HPA interplay in pure plans: the candidate gets its own HPA with bounds for its role, and with
the `replicas` router stable's HPA is pinned per step and restored at promotion and rollback."""

from __future__ import annotations

from typing import Any

import pytest

from ai_deploy_ci.plan import autoscaling, permissions
from ai_deploy_ci.plan.compare import normalize
from ai_deploy_ci.plan.model import LABEL_MANAGED, ObjectRef, Plan
from ai_deploy_ci.plan.registry import make_plan
from ai_deploy_ci.plan.rollback import plan_rollback
from tests.unit.engine.schemas import validate
from tests.unit.engine.specs import live_after, make_spec, stable_hpa, state_with_stable, supported_pairs

PAIRS = supported_pairs()
HPA = "HorizontalPodAutoscaler"
CANDIDATE = ObjectRef("autoscaling/v2", HPA, "ml", "sentiment-candidate")
STABLE = ObjectRef("autoscaling/v2", HPA, "ml", "sentiment-hpa")
HPA_VERBS = {("autoscaling", "horizontalpodautoscalers", v) for v in ("get", "create", "update", "delete")}


def _plan(strategy: str, router: str, *, with_hpa: bool, lo: int = 2, hi: int = 10) -> Plan:
    spec = make_spec(strategy, router)
    hpa = stable_hpa(spec, lo, hi) if with_hpa else None
    return make_plan(spec, state_with_stable(spec, hpa=hpa))


def _hpas(plan: Plan) -> list[tuple[str, str, int, int]]:
    """(step kind, HPA name, min, max) for every HPA a step writes, in write order."""
    return [
        (step.kind, o["metadata"]["name"], o["spec"]["minReplicas"], o["spec"]["maxReplicas"])
        for step in plan.steps
        for o in (*step.apply, *step.route_objects)
        if o["kind"] == HPA
    ]


def _deleted(plan: Plan) -> list[tuple[str, str]]:
    return [(step.kind, r.name) for step in plan.steps for r in step.delete if r.kind == HPA]


# (strategy, router) → HPA writes with a stable HPA of min 2 / max 10 and 3 replicas; the default
# canary steps are setWeight 25, analysis, setWeight 50, pause, analysis.
EXPECTED: dict[tuple[str, str], list[tuple[str, str, int, int]]] = {
    **{(s, r): [] for s, r in PAIRS if s in ("rolling", "recreate")},
    **{(s, r): [("apply", "sentiment-candidate", 3, 10)] for s, r in PAIRS if s == "blueGreen"},
    **{(s, r): [("apply", "sentiment-candidate", 2, 10)] for s, r in PAIRS if s in ("abTest", "shadow")},
    **{
        ("canary", r): [
            ("apply", "sentiment-candidate", 1, 10),
            ("setWeight", "sentiment-candidate", 1, 10),
            ("setWeight", "sentiment-candidate", 2, 10),
        ]
        for r in ("gatewayAPI", "istio", "nginx")
    },
    ("canary", "replicas"): [
        ("apply", "sentiment-candidate", 1, 1),  # candidate at 0 pods: an HPA cannot say 0
        ("setWeight", "sentiment-candidate", 1, 1),
        ("setWeight", "sentiment-hpa", 3, 3),  # 25 % of 3: 1 candidate / 3 stable
        ("setWeight", "sentiment-candidate", 2, 2),
        ("setWeight", "sentiment-hpa", 2, 2),  # 50 % of 3: 2 / 2
        ("promote", "sentiment-hpa", 2, 10),  # the original, before stable is rolled out
    ],
}


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=[f"{s}-{r}" for s, r in PAIRS])
@pytest.mark.parametrize("with_hpa", [False, True], ids=["no-hpa", "stable-hpa"])
def test_hpa_writes_per_strategy_and_router(strategy: str, router: str, with_hpa: bool) -> None:
    plan = _plan(strategy, router, with_hpa=with_hpa)
    expected = EXPECTED[(strategy, router)] if with_hpa else []
    assert _hpas(plan) == expected
    creates_candidate = any(name == "sentiment-candidate" for _, name, _, _ in expected)
    assert _deleted(plan) == ([("finalize", "sentiment-candidate")] if creates_candidate else [])
    assert (CANDIDATE in plan.touches) == creates_candidate
    assert (STABLE in plan.touches) == (with_hpa and (strategy, router) == ("canary", "replicas"))
    hpa_perms = permissions.required(plan) & HPA_VERBS
    assert hpa_perms == (HPA_VERBS if expected else set())


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=[f"{s}-{r}" for s, r in PAIRS])
def test_every_hpa_validates_and_the_candidate_copies_metrics_and_behavior(
    strategy: str, router: str
) -> None:
    spec = make_spec(strategy, router)
    original = stable_hpa(spec)
    plan = make_plan(spec, state_with_stable(spec, hpa=original))
    for step in plan.steps:
        for obj in (*step.apply, *step.route_objects):
            if obj["kind"] != HPA:
                continue
            validate(obj)
            if obj["metadata"]["name"] == "sentiment-candidate":
                assert obj["spec"]["scaleTargetRef"] == {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": "sentiment-candidate",
                }
                assert obj["spec"]["metrics"] == original["spec"]["metrics"]  # type: ignore[index]
                assert obj["spec"]["behavior"] == original["spec"]["behavior"]  # type: ignore[index]
                assert obj["metadata"]["labels"][LABEL_MANAGED] == "ai-deploy-ci"
                assert obj["metadata"]["annotations"]["ai-deploy-ci.io/run-id"] == "run-1"
            elif step.kind == "setWeight":  # pinned: who pinned it, and what it was
                ann = obj["metadata"]["annotations"]
                assert ann["ai-deploy-ci.io/run-id"] == "run-1"
                assert ann[autoscaling.ANN_ORIGINAL] == '{"minReplicas":2,"maxReplicas":10}'
                assert obj["spec"]["scaleTargetRef"]["name"] == "sentiment"
            else:  # restored: exactly the user's HPA, none of ours
                assert obj == original


@pytest.mark.parametrize(
    ("pods", "lo", "hi", "role", "expected"),
    [
        (1, 2, 10, "canary", (1, 10)),
        (4, 1, 3, "canary", (4, 4)),  # more planned pods than stable's max: max follows
        (0, 1, 3, "canary", (1, 3)),
        (3, 2, 10, "full", (3, 10)),
        (1, 2, 10, "full", (2, 10)),  # never below stable's min
        (12, 2, 10, "full", (10, 10)),  # never above stable's max
        (0, 2, 10, "pinned", (1, 1)),  # 0 pins to 1: the HPA controller leaves a target at 0 alone
        (3, 2, 10, "pinned", (3, 3)),
    ],
    ids=["canary", "canary-above-max", "canary-zero", "full", "full-min", "full-max", "pin-0", "pin-3"],
)
def test_candidate_bounds(pods: int, lo: int, hi: int, role: str, expected: tuple[int, int]) -> None:
    spec = make_spec("canary", "gatewayAPI")
    assert autoscaling.candidate_bounds(stable_hpa(spec, lo, hi), pods, role=role) == expected


def test_min_replicas_defaults_to_one_and_find_picks_the_hpa_on_stable() -> None:
    spec = make_spec("canary", "gatewayAPI")
    on_stable = stable_hpa(spec)
    other: dict[str, Any] = {
        **on_stable,
        "metadata": {"name": "other"},
        "spec": {**on_stable["spec"], "scaleTargetRef": {"kind": "Deployment", "name": "x"}},  # type: ignore[dict-item]
    }
    statefulset: dict[str, Any] = {
        **on_stable,
        "metadata": {"name": "a-sts"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "sentiment"}},
    }
    assert autoscaling.find([other, statefulset, on_stable], "sentiment") is on_stable
    assert autoscaling.find([other], "sentiment") is None
    assert autoscaling.bounds({"spec": {"maxReplicas": 4}}) == (1, 4)



@pytest.mark.parametrize("stable_ready", [2, 0], ids=["stable-ready", "stable-not-ready"])
def test_rollback_restores_the_pinned_hpa_before_stable_and_deletes_the_candidates(stable_ready: int) -> None:
    spec = make_spec("canary", "replicas")
    original = stable_hpa(spec)
    state = state_with_stable(spec, hpa=original)
    plan = make_plan(spec, state)
    assert state.stable is not None
    snapshot: dict[ObjectRef, Any] = {ref: None for ref in plan.touches}
    snapshot[ObjectRef.of(state.stable)] = normalize(state.stable)
    snapshot[STABLE] = normalize(original)
    live = live_after(plan, 4, stable_ready)  # at 50 %: stable pinned at 2
    live.setdefault(ObjectRef.of(state.stable), {**state.stable, "status": {"readyReplicas": stable_ready}})
    steps = plan_rollback(plan, snapshot, live)
    first_restore = next(s for s in steps if s.apply)
    kinds = [o["kind"] for o in first_restore.apply]
    assert kinds.index(HPA) < kinds.index("Deployment"), "the pin must go before stable is restored"
    restored = next(o for o in first_restore.apply if o["kind"] == HPA)
    assert restored == normalize(original)
    if stable_ready == 0:
        assert steps[0].wait_for == ("sentiment",) and steps[0].apply == first_restore.apply
    cleanup = steps[-1]
    assert [(r.kind, r.name) for r in cleanup.delete][:2] == [
        (HPA, "sentiment-candidate"),
        ("Deployment", "sentiment-candidate"),
    ]
