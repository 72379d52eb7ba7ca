"""Step builders the strategies share: prepare a candidate, route, promote, finish a Plan.

Each builder returns desired states, never deltas, so a step re-run after a crash converges.
The order inside the promote sequence is what keeps traffic safe: the stable Deployment takes
the candidate's template and is rolled out while the router still sends the candidate its share;
only then does the route return to stable, and only after that are the candidate's objects
deleted — so traffic never points at a backend that has no ready pods.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai_deploy_ci.plan import autoscaling, objects
from ai_deploy_ci.plan import replicas as counts
from ai_deploy_ci.plan.model import Endpoints, Manifest, ObjectRef, Plan, Route, Step, StepKind
from ai_deploy_ci.plan.objects import Names
from ai_deploy_ci.plan.observed import ObservedState
from ai_deploy_ci.routers import TrafficRouter, router_for
from ai_deploy_ci.spec.model import Spec


@dataclass(frozen=True)
class Context:
    spec: Spec
    state: ObservedState
    router: TrafficRouter

    @classmethod
    def of(cls, spec: Spec, state: ObservedState) -> Context:
        return cls(spec, state, router_for(spec, state))

    @property
    def names(self) -> Names:
        return self.router.names

    @property
    def replicas(self) -> int:
        """The total the run sizes against: `server.replicas`, or with an HPA on stable the count
        the HPA chose (`ai_deploy_ci.plan.replicas.run_total`)."""
        return counts.run_total(objects.total_replicas(self.spec, self.state), *self.hpa_scaling)

    @property
    def hpa_scaling(self) -> tuple[int | None, tuple[int, int] | None]:
        """(live stable spec.replicas, HPA bounds) when the observed HPA scales stable, else (None, None)."""
        stable, hpa = self.state.stable, self.state.hpa
        if stable is None or hpa is None or not autoscaling.targets(hpa, self.names.stable):
            return None, None
        live = stable.get("spec", {}).get("replicas")
        return (1 if live is None else int(live)), autoscaling.bounds(hpa)

    def promoted_replicas(self, candidate: int) -> int:
        """Stable's size at promotion (`ai_deploy_ci.plan.replicas.promoted`)."""
        return counts.promoted(objects.total_replicas(self.spec, self.state), candidate, *self.hpa_scaling)

    def deployment(self, track: objects.Track, replicas: int) -> Manifest:
        name = self.names.stable if track == "stable" else self.names.candidate
        return objects.deployment(self.spec, self.state, name=name, track=track, replicas=replicas)

    def hpa_sized_stable(self, replicas: int) -> Manifest:
        """Stable at the HPA's count (`replicas`, planned from what it chose): with an HPA on
        stable, marked so the executor keeps a count the HPA raised since
        (`ai_deploy_ci.plan.autoscaling.keep_scale`)."""
        out = self.deployment("stable", replicas)
        _live, hpa = self.hpa_scaling
        return out if hpa is None else autoscaling.mark_scaled(out, hpa)

    def ref(self, api_version: str, kind: str, name: str) -> ObjectRef:
        return ObjectRef(api_version, kind, self.names.namespace, name)

    @property
    def pins_hpas(self) -> bool:
        """True when HPAs would fight the weights: a canary whose weights are pod counts."""
        return (
            self.state.hpa is not None
            and self.spec.strategy.type == "canary"
            and self.router.type == "replicas"
        )

    def candidate_hpa(self, pods: int) -> tuple[Manifest, ...]:
        """The candidate's HPA for `pods` planned pods (none when stable has no HPA)."""
        hpa = self.state.hpa
        if hpa is None:
            return ()
        role = "pinned" if self.pins_hpas else "full" if self.spec.strategy.type == "blueGreen" else "canary"
        lo, hi = autoscaling.candidate_bounds(hpa, pods, role=role)
        return (
            autoscaling.for_candidate(
                {**hpa, "metadata": {**hpa["metadata"], "namespace": self.names.namespace}},
                name=self.names.candidate,
                target=self.names.candidate,
                min_replicas=lo,
                max_replicas=hi,
                labels=objects.labels(self.spec, "candidate"),
                annotations=objects.run_annotations(self.state),
            ),
        )

    def pinned_stable_hpa(self, replicas: int) -> tuple[Manifest, ...]:
        """Stable's HPA pinned to `replicas` when it would fight the weights, else nothing."""
        if not self.pins_hpas or self.state.hpa is None:
            return ()
        return (autoscaling.pinned(self.state.hpa, replicas, objects.run_annotations(self.state)),)

    def candidate_hpa_refs(self) -> tuple[ObjectRef, ...]:
        if self.state.hpa is None:
            return ()
        return (self.ref(autoscaling.API_VERSION, autoscaling.KIND, self.names.candidate),)


def prepare(ctx: Context, candidate_replicas: int) -> Step:
    """Candidate Deployment + Service up and ready; the route gains a weight-0 candidate backend."""
    cand_svc = objects.service(ctx.spec, ctx.state, name=ctx.names.candidate_service, track="candidate")
    change = ctx.router.set_routes(Route(100, 0))
    return Step(
        kind="apply",
        description=f"start candidate {ctx.spec.server.version} ({candidate_replicas} pods)",
        apply=(
            *ctx.router.reconcile(),
            ctx.deployment("candidate", candidate_replicas),
            *ctx.candidate_hpa(candidate_replicas),
            cand_svc,
        ),
        wait_for=(ctx.names.candidate,),
        route=Route(100, 0),
        route_objects=change.apply,
        delete=change.delete,
        weight=0,
    )


def route(
    ctx: Context,
    kind: StepKind,
    description: str,
    r: Route,
    *,
    apply: tuple[Manifest, ...] = (),
    wait_for: tuple[str, ...] = (),
) -> Step:
    change = ctx.router.set_routes(r)
    return Step(
        kind=kind,
        description=description,
        apply=apply,
        wait_for=wait_for,
        route=r,
        route_objects=change.apply,
        delete=change.delete,
        weight=r.candidate_weight,
    )


def promote(ctx: Context, candidate: int = 0) -> tuple[Step, ...]:
    """Stable takes the candidate's template; then traffic returns to stable; then clean-up.

    A pinned stable HPA gets its pre-run bounds back first, so it cannot hold stable at the
    pinned count while stable is rolled out to full size. `candidate` is the candidate's planned
    pods when promotion starts: with an HPA on stable, stable keeps max(what the HPA chose, that)
    within the HPA's bounds instead of `server.replicas` (`ai_deploy_ci.plan.replicas.promoted`).
    """
    final = ctx.router.finalize()
    restored = (autoscaling.original(ctx.state.hpa),) if ctx.pins_hpas and ctx.state.hpa is not None else ()
    candidate_objects = (
        *ctx.candidate_hpa_refs(),
        ctx.ref("apps/v1", "Deployment", ctx.names.candidate),
        ctx.ref("v1", "Service", ctx.names.candidate_service),
    )
    return (
        Step(
            kind="promote",
            description=f"stable takes version {ctx.spec.server.version}",
            apply=(*restored, ctx.hpa_sized_stable(ctx.promoted_replicas(candidate))),
            wait_for=(ctx.names.stable,),
        ),
        Step(
            kind="finalize",
            description="all traffic to stable; remove the candidate",
            route=Route(candidate=False),
            route_objects=final.apply,
            delete=(*final.delete, *candidate_objects),
            weight=0,
        ),
    )


def in_place(ctx: Context, description: str) -> Step:
    """Update the stable Deployment itself (first deploy, rolling, recreate)."""
    final = ctx.router.finalize()
    return Step(
        kind="apply",
        description=description,
        apply=(*ctx.router.reconcile(), ctx.hpa_sized_stable(ctx.replicas)),
        wait_for=(ctx.names.stable,),
        route=Route(candidate=False),
        route_objects=final.apply,
        delete=final.delete,
    )


def finish(ctx: Context, steps: tuple[Step, ...], *, with_candidate: bool = True) -> Plan:
    """Wrap steps into a Plan, listing every object the run (or its rollback) may touch."""
    n = ctx.names
    touches: set[ObjectRef] = {ctx.ref("apps/v1", "Deployment", n.stable), *ctx.router.owned()}
    touches |= {ObjectRef.of(o) for o in ctx.router.reconcile()}
    if with_candidate:
        touches |= {
            ctx.ref("apps/v1", "Deployment", n.candidate),
            ctx.ref("v1", "Service", n.candidate_service),
        }
    for step in steps:
        touches |= {ObjectRef.of(o) for o in (*step.apply, *step.route_objects)} | set(step.delete)
    endpoints = Endpoints(
        baseline_service=n.baseline_service if with_candidate and ctx.state.stable is not None else None,
        candidate_service=n.candidate_service if with_candidate else n.service,
        port=ctx.spec.server.port,
        public_service=n.service,
        hosts=ctx.spec.traffic_router.hosts,
    )
    return Plan(
        name=n.name,
        namespace=n.namespace,
        strategy=ctx.spec.strategy.type,
        router=ctx.router.type,
        run_id=ctx.state.run.run_id,
        candidate_version=ctx.spec.server.version,
        baseline_version=ctx.state.baseline_version,
        steps=steps,
        touches=tuple(sorted(touches)),
        endpoints=endpoints,
        annotations=objects.run_annotations(ctx.state),
        route_refs=ctx.router.owned(),
        stable_hpa=ctx.hpa_scaling[1],
    )


def first_deploy(ctx: Context) -> Plan:
    """No stable yet: nothing to compare with or fall back to, so create it and wait (as Argo does)."""
    return finish(ctx, (in_place(ctx, f"first deploy of {ctx.spec.server.version}"),), with_candidate=False)
