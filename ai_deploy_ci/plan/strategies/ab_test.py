"""A/B test: requests matching a header, cookie or query value go to the candidate for a while.

Everyone else stays on stable. The analysis runs for `abTest.duration`; then promote or discard.
"""

from __future__ import annotations

from ai_deploy_ci.plan import replicas
from ai_deploy_ci.plan import steps as s
from ai_deploy_ci.plan.model import Plan, Route, RouteMatch, Step
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.spec.model import Spec


def route_match(spec: Spec) -> RouteMatch:
    ab = spec.strategy.ab_test
    if ab is None:
        raise ValueError("strategy abTest needs an abTest section")
    m = ab.match
    for kind, pair in (("header", m.header), ("cookie", m.cookie), ("query", m.query)):
        if pair is not None:
            return RouteMatch(kind, pair[0], pair[1])  # type: ignore[arg-type]
    raise ValueError("abTest.match needs one of header, cookie or query")


def plan(spec: Spec, state: ObservedState) -> Plan:
    ctx = s.Context.of(spec, state)
    if state.stable is None:
        return s.first_deploy(ctx)
    match = route_match(spec)
    duration = spec.strategy.ab_test.duration if spec.strategy.ab_test else 0.0
    pods = replicas.candidate_replicas(ctx.replicas, 50)
    steps = (
        s.prepare(ctx, pods),
        s.route(
            ctx,
            "match",
            f"{match.kind} {match.name}={match.value} to the candidate",
            Route(100, 0, match=match),
        ),
        Step(kind="analysis", description=f"A/B analysis for {duration:g}s", analysis=duration, weight=0),
        *s.promote(ctx, pods),
    )
    return s.finish(ctx, steps)
