"""ingress-nginx router: the stable Ingress plus a canary Ingress with `canary-*` annotations.

ingress-nginx routes a share of a host's requests to the Ingress marked
`nginx.ingress.kubernetes.io/canary: "true"` by `canary-weight`, or by `canary-by-header`
(+ `canary-by-header-value`) or `canary-by-cookie` (the cookie's value must be `always`).
It has no percentage mirror and no query match, so shadow and query A/B tests are refused.
Rollback deletes the canary Ingress: one write takes all traffic off the candidate.
A stable Ingress the user already has is theirs and never written; the canary copies its
host/path rules for the model's Service (`ai_deploy_ci.routers.merge`).
"""

from __future__ import annotations

from collections.abc import Mapping

from ai_deploy_ci.plan.model import Manifest, ObjectRef, Route, RouteMatch
from ai_deploy_ci.routers import merge
from ai_deploy_ci.routers.base import RouteChange, TrafficRouter

API_VERSION = "networking.k8s.io/v1"
PREFIX = "nginx.ingress.kubernetes.io/"


class NginxRouter(TrafficRouter):
    type = "nginx"

    @property
    def ingress_name(self) -> str:
        return self.spec.traffic_router.ingress or self.spec.metadata.name

    @property
    def canary_name(self) -> str:
        return f"{self.ingress_name}-canary"

    def _ingress(self, name: str, service: str, annotations: dict[str, str] | None = None) -> Manifest:
        backend = {"service": {"name": service, "port": {"number": self.port}}}
        http = {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]}
        hosts = self.spec.traffic_router.hosts
        rules = [{"host": h, "http": http} for h in hosts] if hosts else [{"http": http}]
        return {
            "apiVersion": API_VERSION,
            "kind": "Ingress",
            "metadata": self.meta(name, annotations),
            "spec": {"ingressClassName": self.spec.traffic_router.ingress_class, "rules": rules},
        }

    def set_routes(self, route: Route) -> RouteChange:
        if route.match is not None and route.match.kind == "cookie" and route.match.value != "always":
            raise ValueError("ingress-nginx routes by cookie only when its value is 'always'")
        self.check(route)
        # A live stable Ingress that is not ours is the user's: left as it is. The canary copies its
        # host/path rules for our Service (ingress-nginx pairs a canary with the same host + path).
        stable = merge.mark(
            self._ingress(self.ingress_name, self.names.service), "primary", (self.names.service,)
        )
        if not route.candidate:
            return RouteChange(apply=(stable,), delete=(self.ref(API_VERSION, "Ingress", self.canary_name),))
        ann = {PREFIX + "canary": "true", PREFIX + "canary-weight": str(route.candidate_weight)}
        if route.match is not None:
            m = route.match
            if m.kind == "header":
                ann.update({PREFIX + "canary-by-header": m.name, PREFIX + "canary-by-header-value": m.value})
            else:
                ann[PREFIX + "canary-by-cookie"] = m.name
        canary = merge.mark(
            self._ingress(self.canary_name, self.names.candidate_service, ann),
            "canary",
            (self.names.service,),
            primary=self.ingress_name,
        )
        return RouteChange(apply=(stable, canary))

    def get_routes(self, live: Mapping[ObjectRef, Manifest]) -> Route | None:
        if self.ref(API_VERSION, "Ingress", self.ingress_name) not in live:
            return None
        canary = live.get(self.ref(API_VERSION, "Ingress", self.canary_name))
        if canary is None:
            return Route(candidate=False)
        ann = canary["metadata"].get("annotations", {})
        weight = int(ann.get(PREFIX + "canary-weight", "0"))
        match = None
        if PREFIX + "canary-by-header" in ann:
            match = RouteMatch(
                "header", ann[PREFIX + "canary-by-header"], ann.get(PREFIX + "canary-by-header-value", "")
            )
        elif PREFIX + "canary-by-cookie" in ann:
            match = RouteMatch("cookie", ann[PREFIX + "canary-by-cookie"], "always")
        return Route(100 - weight, weight, match=match)

    def owned(self) -> tuple[ObjectRef, ...]:
        return (
            self.ref(API_VERSION, "Ingress", self.ingress_name),
            self.ref(API_VERSION, "Ingress", self.canary_name),
        )
