"""Gateway API router: one HTTPRoute (v1, standard channel) carries weights, matches and mirrors.

- weights: two `backendRefs` in the catch-all rule (stable, candidate) with `weight`;
- A/B: a rule with `matches` (header or query; the standard channel has no cookie match) that
  sends everything to the candidate; more specific matches win over the catch-all rule;
- shadow: a `RequestMirror` filter with `percent` (or `fraction` for non-integers) whose
  responses the gateway discards.
Every change is one write of the one HTTPRoute, so rollback moves all traffic at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from ai_deploy_ci.plan.model import Manifest, ObjectRef, Route, RouteMatch
from ai_deploy_ci.routers.base import RouteChange, TrafficRouter

API_VERSION = "gateway.networking.k8s.io/v1"


class GatewayApiRouter(TrafficRouter):
    type = "gatewayAPI"

    @property
    def route_name(self) -> str:
        return self.spec.traffic_router.http_route or self.spec.metadata.name

    def set_routes(self, route: Route) -> RouteChange:
        self.check(route)
        stable = {"group": "", "kind": "Service", "name": self.names.service, "port": self.port}
        candidate = {**stable, "name": self.names.candidate_service}
        default_rule: Manifest = {"backendRefs": [{**stable, "weight": route.stable_weight}]}
        if route.candidate:
            default_rule["backendRefs"].append({**candidate, "weight": route.candidate_weight})
        rules: list[Manifest] = []
        if route.candidate and route.match is not None:
            m = route.match
            key = "headers" if m.kind == "header" else "queryParams"
            rules.append(
                {
                    "matches": [{key: [{"type": "Exact", "name": m.name, "value": m.value}]}],
                    "backendRefs": [{**candidate, "weight": 1}],
                }
            )
        if route.candidate and route.mirror_percent:
            default_rule["filters"] = [
                {
                    "type": "RequestMirror",
                    "requestMirror": {
                        "backendRef": {
                            "group": "",
                            "kind": "Service",
                            "name": self.names.candidate_service,
                            "port": self.port,
                        },
                        **_mirror_share(route.mirror_percent),
                    },
                }
            ]
        rules.append(default_rule)
        spec: Manifest = {"rules": rules}
        gw = self.spec.traffic_router.gateway
        if gw is not None:
            spec["parentRefs"] = [
                {"group": "gateway.networking.k8s.io", "kind": "Gateway", "namespace": gw[0], "name": gw[1]}
            ]
        if self.spec.traffic_router.hosts:
            spec["hostnames"] = list(self.spec.traffic_router.hosts)
        obj = {
            "apiVersion": API_VERSION,
            "kind": "HTTPRoute",
            "metadata": self.meta(self.route_name),
            "spec": spec,
        }
        return RouteChange(apply=(obj,))

    def get_routes(self, live: Mapping[ObjectRef, Manifest]) -> Route | None:
        obj = live.get(self.ref(API_VERSION, "HTTPRoute", self.route_name))
        if obj is None:
            return None
        weights: dict[str, int] = {}
        match: RouteMatch | None = None
        mirror: float | None = None
        for rule in obj["spec"].get("rules", []):
            conds = [
                (kind, c)
                for m in rule.get("matches", [])
                for kind, key in (("header", "headers"), ("query", "queryParams"))
                for c in m.get(key, [])
            ]
            if conds:
                match = RouteMatch(conds[0][0], conds[0][1]["name"], conds[0][1]["value"])  # type: ignore[arg-type]
                continue
            for ref in rule.get("backendRefs", []):
                weights[ref["name"]] = weights.get(ref["name"], 0) + int(ref.get("weight", 1))
            for f in rule.get("filters", []):
                rm = f.get("requestMirror")
                if rm:
                    frac = rm.get("fraction")
                    mirror = (
                        float(rm.get("percent", 100))
                        if frac is None
                        else 100 * frac["numerator"] / frac.get("denominator", 100)
                    )
        stable_w = weights.get(self.names.service, 0)
        cand_w = weights.get(self.names.candidate_service, 0)
        cand = round(100 * cand_w / ((stable_w + cand_w) or 1))
        present = self.names.candidate_service in weights or match is not None or mirror is not None
        return Route(100 - cand, cand, match=match, mirror_percent=mirror, candidate=present)

    def owned(self) -> tuple[ObjectRef, ...]:
        return (self.ref(API_VERSION, "HTTPRoute", self.route_name),)


def _mirror_share(percent: float) -> Manifest:
    if float(percent).is_integer():
        return {"percent": int(percent)}
    frac = Fraction(percent / 100).limit_denominator(10000)
    return {"fraction": {"numerator": frac.numerator, "denominator": frac.denominator}}
