"""Rolling update: the stable Deployment takes the new template; analysis after.

Waiting follows `kubectl rollout status`; rollback restores the pre-run template from the
snapshot, which is what `kubectl rollout undo` does. There is no baseline to load in parallel
once the old pods are gone, so the gate judges the candidate alone (baseline endpoint None).
"""

from __future__ import annotations

from ai_deploy_ci.plan.model import Plan, Step
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.plan.steps import Context, finish, first_deploy, in_place
from ai_deploy_ci.spec.model import Spec


def plan(spec: Spec, state: ObservedState) -> Plan:
    ctx = Context.of(spec, state)
    if state.stable is None:
        return first_deploy(ctx)
    kind = "recreate" if spec.strategy.type == "recreate" else "rolling update"
    steps = (
        in_place(ctx, f"{kind} to {spec.server.version}"),
        Step(kind="analysis", description="analysis of the updated Deployment", analysis=0.0, weight=100),
    )
    return finish(ctx, steps, with_candidate=False)
