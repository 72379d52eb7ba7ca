"""Rollback is a Plan too: from the pre-run snapshot and the live objects, back to the snapshot.

Order matters more than anything else here:
1. traffic off the candidate — the router's objects return to their pre-run state (or go, if
   the run created them), traffic-carrying objects first (VirtualService, HTTPRoute, canary
   Ingress) and the DestinationRule last, so no route names a subset that is gone. When stable
   has no ready pod (the `replicas` router at 100 %), stable is restored and awaited *first*:
   sending traffic to a backend with no ready pods is worse than a few more seconds on the
   candidate.
2. everything else the run changed returns to the snapshot, and stable is awaited;
3. what the run created is deleted.
HorizontalPodAutoscalers go before the Deployments they scale: a pinned stable HPA gets its own
bounds back before stable is restored (else it would hold stable at the pinned count), and the
candidate's HPA is deleted before the candidate.
A Deployment an HPA sizes gets its template back, not its pre-run count: the HPA may have scaled
it up under load during the run, and restoring the old count would take that capacity away
(the executor writes no fewer replicas than live, within the HPA's bounds: `autoscaling.keep_scale`).
Every step is a desired state, so running the rollback twice (or after a crash) converges.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from ai_deploy_ci.plan import autoscaling
from ai_deploy_ci.plan.compare import RESTORE_MAPS, same
from ai_deploy_ci.plan.model import Manifest, ObjectRef, Plan, Route, Step

# Write order for restoring router objects: what carries traffic goes first.
_TRAFFIC_FIRST = {"VirtualService": 0, "HTTPRoute": 0, "Ingress": 1, "Service": 2, "DestinationRule": 3}


def _rank(ref: ObjectRef) -> int:
    """0 for the objects whose one write moves the traffic (the nginx canary Ingress among them)."""
    if ref.kind == "Ingress" and ref.name.endswith("-canary"):
        return 0
    if ref.kind == "Service" and ref.name.endswith("-stable"):  # the baseline's load-test Service
        return 3
    return _TRAFFIC_FIRST.get(ref.kind, 9)


def plan_rollback(
    plan: Plan, snapshot: Mapping[ObjectRef, Manifest | None], live: Mapping[ObjectRef, Manifest]
) -> tuple[Step, ...]:
    """Steps that return every object the plan touches to `snapshot` (None: did not exist)."""
    touched = [r for r in plan.touches if r in snapshot or r in live]
    route_refs = [r for r in plan.route_refs if r in touched]
    route_refs.sort(key=_rank)
    # The first step writes only the traffic-carrying objects (the lowest rank present); the rest of
    # the router's objects (a DestinationRule's candidate subset, the stable Ingress) follow later.
    first_rank = min((_rank(r) for r in route_refs), default=0)
    carriers = [r for r in route_refs if _rank(r) == first_rank]
    later = [r for r in route_refs if _rank(r) != first_rank]
    deployments = [r for r in touched if r.kind == "Deployment" and r not in route_refs]
    hpas = [r for r in touched if r.kind == "HorizontalPodAutoscaler"]
    others = [r for r in touched if r not in route_refs and r not in deployments and r not in hpas]

    sized = autoscaling.sized(plan)

    def restore(refs: list[ObjectRef]) -> tuple[Manifest, ...]:
        out = []
        for r in refs:
            m = snapshot.get(r)
            if m is None:
                continue
            if r in sized:
                m = autoscaling.mark_scaled(copy.deepcopy(m), sized[r])
            if _differs(autoscaling.keep_scale(m, live.get(r)), live.get(r)):
                out.append(m)
        return tuple(out)

    def created(refs: list[ObjectRef]) -> tuple[ObjectRef, ...]:
        return tuple(r for r in refs if snapshot.get(r) is None and r in live)

    stable = ObjectRef("apps/v1", "Deployment", plan.namespace, plan.name)
    stable_ready = int((live.get(stable) or {}).get("status", {}).get("readyReplicas") or 0) > 0
    stable_restore = restore([stable])
    stable_existed = snapshot.get(stable) is not None
    off = Route(candidate=False)
    steps: list[Step] = []
    if stable_existed and not stable_ready:
        steps.append(
            Step(
                kind="restore",
                description="restore stable and wait for it before moving traffic",
                apply=restore(hpas) + stable_restore,
                wait_for=(plan.name,),
                route=off,
                route_objects=restore(carriers),
                delete=created(carriers),
                weight=0,
            )
        )
    else:
        steps.append(
            Step(
                kind="restore",
                description="traffic off the candidate",
                route=off,
                route_objects=restore(carriers),
                delete=created(carriers),
                weight=0,
            )
        )
    rest = restore(hpas) + restore(deployments) + restore(others)
    waits = tuple(r.name for r in deployments if snapshot.get(r) is not None)
    steps.append(
        Step(
            kind="restore",
            description="restore the pre-run objects",
            apply=rest,
            wait_for=waits,
            route_objects=restore(later),
            delete=created(later),
        )
    )
    gone = created(hpas) + created(deployments) + created(others)
    steps.append(Step(kind="cleanup", description="delete what the run created", delete=gone))
    return tuple(steps)


def _differs(desired: Manifest, live: Manifest | None) -> bool:
    """Restoring compares labels and annotations exactly: what the run added must go too."""
    return live is None or not same(desired, live, exact=RESTORE_MAPS)
