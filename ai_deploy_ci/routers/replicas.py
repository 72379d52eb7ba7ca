"""The replica-ratio router: one Service selects both tracks; weight ∝ ready pods.

Needs no mesh or ingress controller, at the price of coarse weights (see
`ai_deploy_ci.plan.replicas` for the rounding rule). The weights themselves are written by the
canary strategy as replica counts; this router only keeps the public Service selecting both
tracks and adds a stable-only Service for baseline load.
"""

from __future__ import annotations

from collections.abc import Mapping

from ai_deploy_ci.plan import objects, replicas
from ai_deploy_ci.plan.model import LABEL_TRACK, Manifest, ObjectRef, Route
from ai_deploy_ci.routers.base import RouteChange, TrafficRouter


class ReplicasRouter(TrafficRouter):
    type = "replicas"
    mixed_stable_service = True

    def public_track(self, route: Route) -> objects.Track | None:
        """All-or-nothing routes select one track, so a full-size blue/green green gets no traffic
        before the switch; in-between weights select both and the replica counts split traffic."""
        if not route.candidate or route.candidate_weight == 0:
            return "stable"
        return "candidate" if route.candidate_weight == 100 else None

    def set_routes(self, route: Route) -> RouteChange:
        self.check(route)
        return RouteChange(apply=self.reconcile(route))

    def get_routes(self, live: Mapping[ObjectRef, Manifest]) -> Route | None:
        svc = live.get(self.ref("v1", "Service", self.names.service))
        if svc is None:
            return None
        track = svc["spec"].get("selector", {}).get(LABEL_TRACK)
        if track is not None:
            return Route(0, 100) if track == "candidate" else Route(100, 0)
        stable = live.get(self.ref("apps/v1", "Deployment", self.names.stable))
        cand = live.get(self.ref("apps/v1", "Deployment", self.names.candidate))
        ready = [int((d or {}).get("status", {}).get("readyReplicas") or 0) for d in (cand, stable)]
        if sum(ready) == 0:
            return None
        weight = round(replicas.effective_weight(ready[0], ready[1]))
        return Route(100 - weight, weight, candidate=cand is not None)

    def owned(self) -> tuple[ObjectRef, ...]:
        return (
            self.ref("v1", "Service", self.names.service),
            self.ref("v1", "Service", self.names.baseline_service),
        )
