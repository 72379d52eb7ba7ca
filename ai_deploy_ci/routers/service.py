"""The plain-Service router: one write to the Service selector switches all traffic.

Argo Rollouts' blue/green does the same (`rollout/service.go`: a pure `generatePatch` of the
selector, applied by `switchServiceSelector`). It can only say "all stable" or "all candidate",
so it supports blue/green, rolling and recreate, never a weighted canary.
"""

from __future__ import annotations

from collections.abc import Mapping

from ai_deploy_ci.plan import objects
from ai_deploy_ci.plan.model import LABEL_TRACK, Manifest, ObjectRef, Route
from ai_deploy_ci.routers.base import RouteChange, TrafficRouter


class ServiceRouter(TrafficRouter):
    type = "service"

    def set_routes(self, route: Route) -> RouteChange:
        self.check(route)
        track: objects.Track = "candidate" if route.candidate and route.candidate_weight == 100 else "stable"
        return RouteChange(
            apply=(objects.service(self.spec, self.state, name=self.names.service, track=track),)
        )

    def get_routes(self, live: Mapping[ObjectRef, Manifest]) -> Route | None:
        svc = live.get(self.ref("v1", "Service", self.names.service))
        if svc is None:
            return None
        on_candidate = svc["spec"].get("selector", {}).get(LABEL_TRACK) == "candidate"
        return Route(0, 100) if on_candidate else Route(100, 0)

    def owned(self) -> tuple[ObjectRef, ...]:
        return (self.ref("v1", "Service", self.names.service),)
