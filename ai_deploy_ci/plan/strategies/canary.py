"""Canary: setWeight / pause / analysis steps (Argo Rollouts' step list), then promotion.

Weighted routers split requests exactly and the candidate gets ceil(N·w/100) pods (at least
one); the `replicas` router expresses the weight as pod counts (`ai_deploy_ci.plan.replicas`),
scaling the candidate up and waiting *before* scaling stable down, so capacity never dips.
With an HPA on stable, the candidate gets its own (`ai_deploy_ci.plan.autoscaling`); with the
`replicas` router both HPAs are pinned to the planned counts so they cannot move the weights.
With an HPA on stable the total split is what the HPA chose (live spec.replicas within its
bounds), not `server.replicas`, and stable keeps that size at promotion
(`ai_deploy_ci.plan.replicas.run_total` / `promoted`).
"""

from __future__ import annotations

from dataclasses import replace

from ai_deploy_ci.plan import objects, replicas
from ai_deploy_ci.plan import steps as s
from ai_deploy_ci.plan.model import Plan, Route, Step
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.spec.model import CanaryStrategy, Spec


def plan(spec: Spec, state: ObservedState) -> Plan:
    ctx = s.Context.of(spec, state)
    if state.stable is None:
        return s.first_deploy(ctx)
    canary = spec.strategy.canary or CanaryStrategy(steps=())
    by_replicas = ctx.router.type == "replicas"
    weights = [c.set_weight for c in canary.steps if c.set_weight is not None]
    first = 0 if by_replicas else _pods(ctx, weights[0] if weights else 0, by_replicas)
    out: list[Step] = [s.prepare(ctx, first)]
    for c in canary.steps:
        if c.set_weight is not None:
            out.append(_set_weight(ctx, c.set_weight, by_replicas))
        elif c.pause is not None:
            out.append(Step(kind="pause", description=_pause_text(c.pause), pause=c.pause))
        else:
            duration = c.analysis.duration if c.analysis and c.analysis.duration is not None else 0.0
            out.append(Step(kind="analysis", description="analysis", analysis=duration))
    out.extend(s.promote(ctx, _pods(ctx, weights[-1] if weights else 0, by_replicas)))
    return s.finish(ctx, tuple(_carry_weight(out)))


def _pods(ctx: s.Context, weight: int, by_replicas: bool) -> int:
    """The candidate's planned pods at `weight` (the `replicas` router: its share of the total,
    0 at 0 %; weighted routers: at least one)."""
    if by_replicas:
        return replicas.split(ctx.replicas, weight)[0]
    return replicas.candidate_replicas(ctx.replicas, weight)


def _set_weight(ctx: s.Context, weight: int, by_replicas: bool) -> Step:
    route = Route(100 - weight, weight)
    if not by_replicas:
        pods = replicas.candidate_replicas(ctx.replicas, weight)
        return s.route(
            ctx,
            "setWeight",
            f"{weight}% to the candidate ({pods} pods)",
            route,
            apply=(ctx.deployment("candidate", pods), *ctx.candidate_hpa(pods)),
            wait_for=(ctx.names.candidate,),
        )
    cand, stable = replicas.split(ctx.replicas, weight)
    assert ctx.state.stable is not None
    step = s.route(
        ctx,
        "setWeight",
        f"{weight}% to the candidate: {cand} candidate / {stable} stable pods "
        f"(≈{replicas.effective_weight(cand, stable):g}%)",
        route,
        apply=(ctx.deployment("candidate", cand), *ctx.candidate_hpa(cand)),
        wait_for=(ctx.names.candidate,),
    )
    # Stable shrinks only after the candidate is ready; its HPA is pinned right with it, so the
    # HPA cannot scale stable back and shift the weight (`ai_deploy_ci.plan.autoscaling`).
    scaled = objects.rescale(ctx.state.stable, stable, ctx.state)
    return replace(step, route_objects=(*step.route_objects, scaled, *ctx.pinned_stable_hpa(stable)))


def _pause_text(seconds: float) -> str:
    return "wait for `ai-deploy-ci promote`" if seconds == float("inf") else f"pause {seconds:g}s"


def _carry_weight(steps: list[Step]) -> list[Step]:
    """Pauses and gates record the weight in force, for rollout.json and the gate request."""
    weight, out = 0, []
    for step in steps:
        if step.weight is None and step.kind in ("pause", "analysis"):
            step = replace(step, weight=weight)
        weight = step.weight if step.weight is not None else weight
        out.append(step)
    return out
