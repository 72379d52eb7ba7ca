"""Gateway API router: one HTTPRoute (v1, standard channel) carries weights, matches and mirrors.

- weights: two `backendRefs` in the catch-all rule (stable, candidate) with `weight`;
- A/B: a rule with `matches` (header or query; the standard channel has no cookie match) that
  sends everything to the candidate; more specific matches win over the catch-all rule;
- shadow: a `RequestMirror` filter with `percent` (or `fraction` for non-integers) whose
  responses the gateway discards;
- mesh (`gatewayAPI.mesh`, GAMMA): the parentRef is the model's Service instead of a Gateway, so
  Linkerd / Istio ambient split what callers send to that Service's ClusterIP.
Every change is one write of the one HTTPRoute, so rollback moves all traffic at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from ai_deploy_ci.plan.model import Manifest, ObjectRef, Route, RouteMatch
from ai_deploy_ci.routers import merge
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
        if self.spec.traffic_router.mesh:
            # GAMMA: attached to the Service callers already use; the mesh splits its ClusterIP traffic.
            parent = {"group": "", "kind": "Service", "name": self.names.service, "port": self.port}
            spec["parentRefs"] = [parent]
        elif gw is not None:
            spec["parentRefs"] = [
                {"group": "gateway.networking.k8s.io", "kind": "Gateway", "namespace": gw[0], "name": gw[1]}
            ]
        if self.spec.traffic_router.hosts and not self.spec.traffic_router.mesh:
            spec["hostnames"] = list(self.spec.traffic_router.hosts)
        obj = {
            "apiVersion": API_VERSION,
            "kind": "HTTPRoute",
            "metadata": self.meta(self.route_name),
            "spec": spec,
        }
        # A live HTTPRoute of that name keeps its other rules: `merge` splices ours in at write time.
        return RouteChange(apply=(merge.mark(obj, "httpRoute", self._services),))

    @property
    def _services(self) -> tuple[str, str]:
        return (self.names.service, self.names.candidate_service)

    def get_routes(self, live: Mapping[ObjectRef, Manifest]) -> Route | None:
        obj = live.get(self.ref(API_VERSION, "HTTPRoute", self.route_name))
        if obj is None:
            return None
        weights: dict[str, int] = {}
        match: RouteMatch | None = None
        mirror: float | None = None
        ns = self.names.namespace
        # Only our rules: those sending to the model's Services (the user's other rules are theirs).
        rules = [r for r in obj["spec"].get("rules", []) if merge.gateway_rule_is_ours(r, self._services, ns)]
        defaults = [r for r in rules if merge.gateway_rule_is_ours(r, self._services[:1], ns)]
        for rule in rules:
            if rule not in defaults:  # the A/B rule: candidate only, our condition on the user's match
                if rule.get("matches"):
                    match = _our_condition(rule["matches"][0], defaults[0] if defaults else {})
                continue
            for ref in rule.get("backendRefs", []):
                weights[ref["name"]] = weights.get(ref["name"], 0) + int(ref.get("weight", 1))
            for f in rule.get("filters", []):
                rm = f.get("requestMirror")
                if rm and merge.gateway_ref_is(rm["backendRef"], self._services[1:], ns):
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


def _our_condition(ab_match: Manifest, default_rule: Manifest) -> RouteMatch | None:
    """The condition our A/B rule adds to the user's match (the default rule carries theirs)."""
    base = (default_rule.get("matches") or [{}])[0]
    for kind, key in (("header", "headers"), ("query", "queryParams")):
        theirs = base.get(key, [])
        for c in reversed(ab_match.get(key, [])):
            if c not in theirs:
                return RouteMatch(kind, c["name"], c["value"])  # type: ignore[arg-type]
    return None


def _mirror_share(percent: float) -> Manifest:
    if float(percent).is_integer():
        return {"percent": int(percent)}
    frac = Fraction(percent / 100).limit_denominator(10000)
    return {"fraction": {"numerator": frac.numerator, "denominator": frac.denominator}}
