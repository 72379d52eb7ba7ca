"""Blue/green: green beside blue, judged through the preview Service, then one write switches.

Steps: green (the candidate Deployment, full size) and its preview Service → analysis against
the preview → approval pause unless autoPromote → switch (one write: the Service selector or
the router's weights) → blue kept for `scaleDownDelay` so a rollback is one write back →
blue takes green's template (rolled out while green serves) → route back to blue → green removed.
With an HPA on blue, green's size and blue's size after promotion are what the HPA chose for blue
(`ai_deploy_ci.plan.replicas.run_total`), not `server.replicas`: green must carry all of blue's
traffic at the switch.
"""

from __future__ import annotations

import math

from ai_deploy_ci.plan import steps as s
from ai_deploy_ci.plan.model import Plan, Route, Step
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.spec.model import BlueGreenStrategy, Spec


def plan(spec: Spec, state: ObservedState) -> Plan:
    ctx = s.Context.of(spec, state)
    if state.stable is None:
        return s.first_deploy(ctx)
    bg = spec.strategy.blue_green or BlueGreenStrategy()
    steps: list[Step] = [s.prepare(ctx, ctx.replicas)]
    if bg.pre_promotion_analysis:
        steps.append(
            Step(
                kind="analysis",
                description="pre-promotion analysis against the preview Service",
                analysis=0.0,
                weight=0,
            )
        )
    if not bg.auto_promote:
        steps.append(
            Step(kind="pause", description="wait for `ai-deploy-ci promote`", pause=math.inf, weight=0)
        )
    steps.append(s.route(ctx, "switch", "switch all traffic to green", Route(0, 100)))
    if bg.scale_down_delay > 0:
        steps.append(
            Step(
                kind="scaleDown",
                description=f"keep blue {bg.scale_down_delay:g}s for instant rollback",
                pause=bg.scale_down_delay,
                weight=100,
            )
        )
    steps.extend(s.promote(ctx, ctx.replicas))
    return s.finish(ctx, tuple(steps))
