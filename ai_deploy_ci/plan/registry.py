"""Maps `strategy.type` to its module. An unknown name is an error, never a silent fallback."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from types import MappingProxyType

from ai_deploy_ci.errors import UserError
from ai_deploy_ci.plan import autoscaling, objects, replicas
from ai_deploy_ci.plan.adopt import adopt
from ai_deploy_ci.plan.compare import same
from ai_deploy_ci.plan.model import Plan
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.plan.strategies import ab_test, blue_green, canary, recreate, rolling, shadow
from ai_deploy_ci.spec.model import Spec

Planner = Callable[[Spec, ObservedState], Plan]

STRATEGIES: MappingProxyType[str, Planner] = MappingProxyType(
    {
        "rolling": rolling.plan,
        "recreate": recreate.plan,
        "blueGreen": blue_green.plan,
        "canary": canary.plan,
        "abTest": ab_test.plan,
        "shadow": shadow.plan,
    }
)


def planner(strategy_type: str) -> Planner:
    try:
        return STRATEGIES[strategy_type]
    except KeyError:
        raise UserError(
            f"unknown strategy {strategy_type!r}", fix=f"use one of {sorted(STRATEGIES)}"
        ) from None


def make_plan(spec: Spec, state: ObservedState) -> Plan:
    """The plan for a spec: the one entry point commands and the pipeline use.

    When stable already runs exactly the desired pod template (a re-run after a finished run),
    the plan has no steps: re-deploying the same version would only cost a canary's time.
    """
    plan = planner(spec.strategy.type)(spec, state)
    if state.stable is not None and _up_to_date(spec, state):
        return replace(plan, steps=())
    return adopt(spec, state, plan)


def _up_to_date(spec: Spec, state: ObservedState) -> bool:
    assert state.stable is not None
    desired = objects.deployment(
        spec, state, name=spec.metadata.name, track="stable", replicas=objects.total_replicas(spec, state)
    )
    live = state.stable
    count = live.get("spec", {}).get("replicas")
    want = objects.total_replicas(spec, state)
    if state.hpa is not None and autoscaling.targets(state.hpa, spec.metadata.name):  # the HPA's count
        want = replicas.run_total(want, 1 if count is None else int(count), autoscaling.bounds(state.hpa))
    return same(desired["spec"]["template"], live.get("spec", {}).get("template")) and count == want
