"""Rollback plans: traffic off the candidate first, then restore, then clean up; idempotent."""

from __future__ import annotations

from typing import Any

from ai_deploy_ci.plan import objects
from ai_deploy_ci.plan.compare import normalize
from ai_deploy_ci.plan.model import ObjectRef, Plan
from ai_deploy_ci.plan.registry import make_plan
from ai_deploy_ci.plan.rollback import plan_rollback
from tests.unit.engine.specs import live_after, make_spec, state_with_stable


def _snapshot(plan: Plan, state_stable: dict[str, Any]) -> dict[ObjectRef, Any]:
    stable_ref = ObjectRef("apps/v1", "Deployment", plan.namespace, plan.name)
    return {ref: (normalize(state_stable) if ref == stable_ref else None) for ref in plan.touches}


def test_canary_rollback_moves_traffic_in_one_write_then_cleans_up() -> None:
    spec = make_spec("canary", "gatewayAPI")
    state = state_with_stable(spec)
    plan = make_plan(spec, state)
    assert state.stable is not None
    snapshot = _snapshot(plan, state.stable)
    svc = objects.service(spec, state, name="sentiment", track="stable")
    snapshot[ObjectRef.of(svc)] = svc
    live = live_after(plan, 2)  # candidate at 25 %
    live[ObjectRef.of(state.stable)] = {**state.stable, "status": {"readyReplicas": 3}}
    first, restore, cleanup = plan_rollback(plan, snapshot, live)
    assert [ObjectRef.of(o).kind for o in first.route_objects] == [] and [r.kind for r in first.delete] == [
        "HTTPRoute"
    ]  # the route did not exist before the run: deleting it is the one traffic write
    assert restore.apply == ()
    assert {r.name for r in cleanup.delete} == {"sentiment-candidate"}
    assert {r.kind for r in cleanup.delete} == {"Deployment", "Service"}


def test_replicas_rollback_restores_stable_before_moving_traffic_when_stable_has_no_ready_pod() -> None:
    spec = make_spec("canary", "replicas")
    state = state_with_stable(spec)
    plan = make_plan(spec, state)
    assert state.stable is not None
    live = live_after(plan, 4, stable_ready=0)
    steps = plan_rollback(plan, _snapshot(plan, state.stable), live)
    assert steps[0].wait_for == ("sentiment",)
    assert [o["kind"] for o in steps[0].apply] == ["Deployment"]


def test_rollback_of_a_restored_cluster_writes_nothing() -> None:
    spec = make_spec("blueGreen", "service")
    state = state_with_stable(spec)
    plan = make_plan(spec, state)
    assert state.stable is not None
    svc = objects.service(spec, state, name="sentiment", track="stable")
    snapshot: dict[ObjectRef, Any] = {ref: None for ref in plan.touches}
    snapshot[ObjectRef.of(state.stable)] = normalize(state.stable)
    snapshot[ObjectRef.of(svc)] = svc
    live = {
        ObjectRef.of(state.stable): {**state.stable, "status": {"readyReplicas": 3}},
        ObjectRef.of(svc): svc,
    }
    for step in plan_rollback(plan, snapshot, live):
        assert not step.apply and not step.route_objects and not step.delete
