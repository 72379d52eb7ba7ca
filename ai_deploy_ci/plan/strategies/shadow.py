"""Shadow: mirror a share of live requests to the candidate; the router discards its answers.

Users only ever see stable's responses, so a broken candidate costs nothing; the gate compares
the candidate's own latency, errors and outputs with the baseline's.
"""

from __future__ import annotations

import math

from ai_deploy_ci.plan import replicas
from ai_deploy_ci.plan import steps as s
from ai_deploy_ci.plan.model import Plan, Route, Step
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.spec.model import ShadowStrategy, Spec


def plan(spec: Spec, state: ObservedState) -> Plan:
    ctx = s.Context.of(spec, state)
    if state.stable is None:
        return s.first_deploy(ctx)
    sh = spec.strategy.shadow or ShadowStrategy()
    pods = replicas.candidate_replicas(ctx.replicas, max(1, min(100, math.ceil(sh.mirror_percent))))
    steps = (
        s.prepare(ctx, pods),
        s.route(
            ctx,
            "mirror",
            f"mirror {sh.mirror_percent:g}% of requests to the candidate",
            Route(100, 0, mirror_percent=sh.mirror_percent),
        ),
        Step(
            kind="analysis",
            description=f"shadow analysis for {sh.duration:g}s",
            analysis=sh.duration,
            weight=0,
        ),
        *s.promote(ctx, pods),
    )
    return s.finish(ctx, steps)
