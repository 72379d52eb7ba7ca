"""Rolling update with a real baseline: old-template and new-template pods judged side by side.

Judging the updated Deployment alone compares the candidate with itself (a +80 ms candidate
was promoted, issue #12). Instead the update pauses after its first new pods are ready — the
Deployment's own `spec.paused`, as `kubectl rollout pause` does — while two temporary Services
select the old-template pods (`version: <baseline>`) and the new-template ones
(`version: <candidate>`); the gate loads both at once, then the update resumes and the temporary
Services go. Both kinds of pods sit behind the public Service meanwhile, so users see the same
mix `kubectl rollout` would give them. The version label (set on every pod template we write)
plays the role of `pod-template-hash`, and unlike the hash it is known when planning (pure).

Rollback restores the pre-run Deployment from the snapshot (template and no pause), which is
what `kubectl rollout undo` does. Without a version label on the running pods, or with the
same version, there is nothing to tell the pods apart: the gate then judges the updated
Deployment on its SLOs alone, as before, and `validate` says so.
"""

from __future__ import annotations

import copy
from dataclasses import replace

from ai_deploy_ci.plan import objects
from ai_deploy_ci.plan import replicas as counts
from ai_deploy_ci.plan.model import LABEL_VERSION, Manifest, ObjectRef, Plan, Route, Step
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.plan.steps import Context, finish, first_deploy, in_place
from ai_deploy_ci.spec.model import Spec


def plan(spec: Spec, state: ObservedState) -> Plan:
    ctx = Context.of(spec, state)
    if state.stable is None:
        return first_deploy(ctx)
    kind = "recreate" if spec.strategy.type == "recreate" else "rolling update"
    baseline = state.baseline_version
    if spec.strategy.type == "recreate" or baseline is None or baseline == spec.server.version:
        steps = (
            in_place(ctx, f"{kind} to {spec.server.version}"),
            Step(kind="analysis", description="analysis of the updated Deployment", analysis=0.0, weight=100),
        )
        return finish(ctx, steps, with_candidate=False)
    return side_by_side(ctx, baseline)


def side_by_side(ctx: Context, baseline: str) -> Plan:
    n = ctx.names
    old_svc = objects.service(ctx.spec, ctx.state, name=f"{n.name}-baseline", track="stable")
    new_svc = objects.service(ctx.spec, ctx.state, name=n.candidate_service, track="stable")
    old_svc["spec"]["selector"][LABEL_VERSION] = baseline
    new_svc["spec"]["selector"][LABEL_VERSION] = ctx.spec.server.version
    updated = ctx.hpa_sized_stable(ctx.replicas)
    first = _first_new_pods(ctx)
    total = max(ctx.replicas, 1)
    share = round(counts.effective_weight(first, total - first)) if first < total else 100
    final = ctx.router.finalize()
    temporary = (objects_ref(ctx, old_svc), objects_ref(ctx, new_svc))
    steps = (
        Step(
            kind="apply",
            description=f"rolling update to {ctx.spec.server.version}: "
            f"pause after {first} new pod(s) are ready",
            apply=(*ctx.router.reconcile(), old_svc, new_svc, _paused(updated, False)),
            wait_ready=(dict(new_svc["spec"]["selector"]), first),
            route=Route(candidate=False),
            route_objects=(_paused(updated, True), *final.apply),
            delete=final.delete,
            weight=share,
        ),
        Step(kind="analysis", description=f"analysis: {first} new pod(s) beside the old ones",
             analysis=0.0, weight=share),
        Step(
            kind="apply",
            description="resume the rolling update; remove the comparison Services",
            apply=(_paused(updated, False),),
            wait_for=(n.stable,),
            delete=temporary,
        ),
    )
    out = finish(ctx, steps, with_candidate=False)
    endpoints = replace(out.endpoints, baseline_service=old_svc["metadata"]["name"],
                        candidate_service=new_svc["metadata"]["name"])
    return replace(out, endpoints=endpoints)


def _first_new_pods(ctx: Context) -> int:
    """The pods the update makes before pausing: its surge (at least one, at most all)."""
    rolling = ctx.spec.strategy.rolling
    surge = str(rolling.max_surge if rolling else "25%").strip()
    total = max(ctx.replicas, 1)
    pods = -(-total * int(surge[:-1]) // 100) if surge.endswith("%") else int(surge or 1)
    return max(1, min(pods, total))


def _paused(deployment: Manifest, paused: bool) -> Manifest:
    out = copy.deepcopy(deployment)
    out["spec"]["paused"] = paused
    return out


def objects_ref(ctx: Context, obj: Manifest) -> ObjectRef:
    return ctx.ref("v1", "Service", obj["metadata"]["name"])
