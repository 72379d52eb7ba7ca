"""Every strategy × supported router plans purely, and every object validates against the schemas."""

from __future__ import annotations

import json
import math

import pytest

from ai_deploy_ci.errors import UserError
from ai_deploy_ci.plan.model import LABEL_MANAGED, LABEL_TRACK, ObjectRef, Plan
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.plan.registry import make_plan, planner
from ai_deploy_ci.routers import ROUTERS
from ai_deploy_ci.spec import capabilities
from tests.unit.engine.schemas import validate
from tests.unit.engine.specs import ROUTERS as ROUTER_TYPES
from tests.unit.engine.specs import STRATEGIES, make_spec, state_with_stable, supported_pairs

PAIRS = supported_pairs()


def _plan(strategy: str, router: str) -> Plan:
    spec = make_spec(strategy, router)
    return make_plan(spec, state_with_stable(spec))


def test_pairs_cover_the_capability_table() -> None:
    assert len(PAIRS) == 24  # 6 strategies × 5 routers minus the 6 pairs the table refuses
    assert ("canary", "service") not in PAIRS and ("shadow", "nginx") not in PAIRS


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=[f"{s}-{r}" for s, r in PAIRS])
def test_every_object_validates(strategy: str, router: str) -> None:
    plan = _plan(strategy, router)
    objs = [o for step in plan.steps for o in (*step.apply, *step.route_objects)]
    assert objs
    for obj in objs:
        validate(obj)
        assert obj["metadata"]["labels"][LABEL_MANAGED] == "ai-deploy-ci"
        assert obj["metadata"]["annotations"]["ai-deploy-ci.io/run-id"] == "run-1"
        assert obj["metadata"]["annotations"]["ai-deploy-ci.io/commit-sha"] == "abc123"
        assert obj["metadata"]["annotations"]["ai-deploy-ci.io/pull-request"] == "7"


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=[f"{s}-{r}" for s, r in PAIRS])
def test_traffic_reaches_the_candidate_only_after_it_was_awaited(strategy: str, router: str) -> None:
    plan = _plan(strategy, router)
    candidate = f"{plan.name}-candidate"
    awaited = False
    for step in plan.steps:
        awaited = awaited or candidate in step.wait_for
        if step.route is not None and (step.route.candidate_receives_traffic or step.route.mirror_percent):
            assert awaited, f"step {step.description!r} routes to the candidate before waiting for it"
        if ObjectRef("apps/v1", "Deployment", plan.namespace, candidate) in step.delete:
            assert step.route is not None and not step.route.candidate, "candidate deleted while routed"
    last = [s for s in plan.steps if s.route is not None][-1]
    assert last.route is not None and not last.route.candidate_receives_traffic


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=[f"{s}-{r}" for s, r in PAIRS])
def test_plan_round_trips_through_json(strategy: str, router: str) -> None:
    plan = _plan(strategy, router)
    text = json.dumps(plan.to_json())
    again = Plan.from_json(json.loads(text))
    assert again == plan
    assert again.digest() == plan.digest()


@pytest.mark.parametrize(("strategy", "router"), PAIRS, ids=[f"{s}-{r}" for s, r in PAIRS])
def test_touches_cover_every_written_object(strategy: str, router: str) -> None:
    plan = _plan(strategy, router)
    written = {ObjectRef.of(o) for s in plan.steps for o in (*s.apply, *s.route_objects)}
    deleted = {r for s in plan.steps for r in s.delete}
    assert written | deleted <= set(plan.touches)


@pytest.mark.parametrize("router", ROUTER_TYPES)
def test_first_deploy_creates_stable_without_gates(router: str) -> None:
    spec = make_spec("canary" if router != "service" else "blueGreen", router)
    plan = make_plan(spec, ObservedState(run=RunInfo("r")))
    assert [s.kind for s in plan.steps] == ["apply"]
    assert plan.endpoints.baseline_service is None
    dep = next(o for o in plan.steps[0].apply if o["kind"] == "Deployment")
    assert (
        dep["metadata"]["name"] == "sentiment"
        and dep["spec"]["selector"]["matchLabels"][LABEL_TRACK] == "stable"
    )


REFUSED = [(s, r) for s in STRATEGIES for r in ROUTER_TYPES if (s, r) not in PAIRS]


@pytest.mark.parametrize(("strategy", "router"), REFUSED, ids=[f"{s}-{r}" for s, r in REFUSED])
def test_missing_capability_is_refused_never_downgraded(strategy: str, router: str) -> None:
    spec = make_spec(strategy, router)
    with pytest.raises(UserError, match="lacks"):
        make_plan(spec, state_with_stable(spec))


def test_unknown_strategy_is_an_error() -> None:
    with pytest.raises(UserError, match="unknown strategy"):
        planner("bigBang")


def test_router_classes_agree_with_the_capability_table() -> None:
    assert set(ROUTERS) == set(capabilities.ROUTER_CAPABILITIES)


def test_canary_steps_follow_the_spec() -> None:
    plan = _plan("canary", "gatewayAPI")
    kinds = [(s.kind, s.weight) for s in plan.steps]
    assert kinds == [
        ("apply", 0),
        ("setWeight", 25),
        ("analysis", 25),
        ("setWeight", 50),
        ("pause", 50),
        ("analysis", 50),
        ("promote", None),
        ("finalize", 0),
    ]
    route = plan.steps[1].route_objects[0]
    refs = route["spec"]["rules"][-1]["backendRefs"]
    assert [(r["name"], r["weight"]) for r in refs] == [("sentiment", 75), ("sentiment-candidate", 25)]


def test_canary_with_replicas_router_scales_by_the_rounding_rule() -> None:
    plan = _plan("canary", "replicas")
    step = plan.steps[1]  # setWeight 25 of 3 replicas → candidate 1, stable 3
    cand = next(o for o in step.apply if o["kind"] == "Deployment")
    stable = next(o for o in step.route_objects if o["kind"] == "Deployment")
    assert (cand["spec"]["replicas"], stable["spec"]["replicas"]) == (1, 3)
    svc = next(
        o for o in step.route_objects if o["kind"] == "Service" and o["metadata"]["name"] == "sentiment"
    )
    assert LABEL_TRACK not in svc["spec"]["selector"]  # both tracks: the pod counts split traffic


def test_blue_green_switches_in_one_write_and_waits_for_approval() -> None:
    spec = make_spec("blueGreen", "service", auto_promote=False)
    plan = make_plan(spec, state_with_stable(spec))
    kinds = [s.kind for s in plan.steps]
    assert kinds == ["apply", "analysis", "pause", "switch", "scaleDown", "promote", "finalize"]
    assert plan.steps[2].pause == math.inf
    switch = plan.steps[3]
    assert (
        len(switch.route_objects) == 1
        and switch.route_objects[0]["spec"]["selector"][LABEL_TRACK] == "candidate"
    )
    assert plan.endpoints.candidate_service == "sentiment-preview"


def test_a_finished_deploy_plans_nothing() -> None:
    from ai_deploy_ci.plan import objects

    spec = make_spec("canary", "gatewayAPI")
    run = RunInfo("again")
    live = objects.deployment(spec, ObservedState(run=run), name="sentiment", track="stable", replicas=3)
    live["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = "IfNotPresent"  # a server default
    assert make_plan(spec, ObservedState(run=run, stable=live)).steps == ()
