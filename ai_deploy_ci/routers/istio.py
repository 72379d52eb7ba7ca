"""Istio router: a VirtualService (weights, match, mirror) over DestinationRule subsets.

The public Service selects both tracks; the DestinationRule names them as subsets `stable`
and `candidate` by the track label, and the VirtualService splits between subsets — the
usual Istio canary layout. A cookie match is a regex on the Cookie header (Istio has no cookie
matcher). Mirrors use `mirror` + `mirrorPercentage`; Envoy discards the mirrored responses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ai_deploy_ci.plan.model import LABEL_TRACK, Manifest, ObjectRef, Route, RouteMatch
from ai_deploy_ci.routers import merge
from ai_deploy_ci.routers.base import RouteChange, TrafficRouter

API_VERSION = "networking.istio.io/v1"


class IstioRouter(TrafficRouter):
    type = "istio"
    mixed_stable_service = True

    @property
    def vs_name(self) -> str:
        return self.spec.traffic_router.virtual_service or self.spec.metadata.name

    @property
    def dr_name(self) -> str:
        return self.spec.traffic_router.destination_rule or self.spec.metadata.name

    def _dest(self, subset: str) -> Manifest:
        return {"host": self.names.service, "subset": subset, "port": {"number": self.port}}

    def destination_rule(self, with_candidate: bool) -> Manifest:
        subsets = [{"name": "stable", "labels": {LABEL_TRACK: "stable"}}]
        if with_candidate:
            subsets.append({"name": "candidate", "labels": {LABEL_TRACK: "candidate"}})
        obj = {
            "apiVersion": API_VERSION,
            "kind": "DestinationRule",
            "metadata": self.meta(self.dr_name),
            "spec": {"host": self.names.service, "subsets": subsets},
        }
        # A live DestinationRule keeps its trafficPolicy and other subsets (see `merge`).
        return merge.mark(obj, "destinationRule", (self.names.service,))

    def set_routes(self, route: Route) -> RouteChange:
        self.check(route)
        http: list[Manifest] = []
        if route.candidate and route.match is not None:
            http.append(
                {
                    "name": "candidate-match",
                    "match": [_match(route.match)],
                    "route": [{"destination": self._dest("candidate")}],
                }
            )
        primary: Manifest = {
            "name": "primary",
            "route": [{"destination": self._dest("stable"), "weight": route.stable_weight}],
        }
        if route.candidate:
            primary["route"].append(
                {"destination": self._dest("candidate"), "weight": route.candidate_weight}
            )
            if route.mirror_percent:
                primary["mirror"] = self._dest("candidate")
                primary["mirrorPercentage"] = {"value": float(route.mirror_percent)}
        http.append(primary)
        vs_spec: Manifest = {"hosts": [self.names.service, *self.spec.traffic_router.hosts], "http": http}
        gw = self.spec.traffic_router.gateway
        if gw is not None:  # ingress traffic through that Istio gateway, and in-mesh traffic to the Service
            vs_spec["gateways"] = [f"{gw[0]}/{gw[1]}", "mesh"]
        vs = {
            "apiVersion": API_VERSION,
            "kind": "VirtualService",
            "metadata": self.meta(self.vs_name),
            "spec": vs_spec,
        }
        merge.mark(vs, "virtualService", (self.names.service,))  # a live one keeps its other routes
        # The DestinationRule gains the candidate subset before the route names it, and loses it
        # only after (same write order: the executor applies in sequence).
        return RouteChange(
            apply=(self.destination_rule(True), vs) if route.candidate else (vs, self.destination_rule(False))
        )

    def get_routes(self, live: Mapping[ObjectRef, Manifest]) -> Route | None:
        vs = live.get(self.ref(API_VERSION, "VirtualService", self.vs_name))
        if vs is None:
            return None
        weights = {"stable": 0, "candidate": 0}
        match: RouteMatch | None = None
        mirror: float | None = None
        svc, ns = self.names.service, self.names.namespace
        # Only our routes: those sending to the model's Service (the user's other routes are theirs).
        http = [r for r in vs["spec"].get("http", []) if merge.istio_route_is_ours(r, svc, ns)]
        defaults = [r for r in http if merge.istio_route_is_template(r, svc, ns)]
        for rule in http:
            if rule not in defaults:  # the A/B route: candidate only, our condition on the user's match
                if rule.get("match"):
                    base = ((defaults[0] if defaults else {}).get("match") or [{}])[0]
                    match = _parse_match(_ours_only(rule["match"][0], base))
                continue
            for r in rule.get("route", []):
                subset = r["destination"].get("subset", "stable")
                weights[subset] = weights.get(subset, 0) + int(r.get("weight", 100))
            m = rule.get("mirror")
            if m and merge.istio_dest_is(m, svc, ns, ("candidate",)):
                mirror = float(rule.get("mirrorPercentage", {}).get("value", 100.0))
            for m in rule.get("mirrors") or []:  # beside a user's own mirror (see `merge`)
                if merge.istio_dest_is(m.get("destination"), svc, ns, ("candidate",)):
                    mirror = float(m.get("percentage", {}).get("value", 100.0))
        total = weights["stable"] + weights["candidate"] or 1
        cand = round(100 * weights["candidate"] / total)
        present = any(
            r["destination"].get("subset") == "candidate" for rule in http for r in rule.get("route", [])
        )
        return Route(
            100 - cand, cand, match=match, mirror_percent=mirror, candidate=present or mirror is not None
        )

    def owned(self) -> tuple[ObjectRef, ...]:
        return (
            self.ref(API_VERSION, "DestinationRule", self.dr_name),
            self.ref(API_VERSION, "VirtualService", self.vs_name),
        )


def _match(m: RouteMatch) -> Manifest:
    if m.kind == "header":
        return {"headers": {m.name.lower(): {"exact": m.value}}}
    if m.kind == "query":
        return {"queryParams": {m.name: {"exact": m.value}}}
    pattern = f"^(.*?;\\s*)?({re.escape(m.name)}={re.escape(m.value)})(;.*)?$"
    return {"headers": {"cookie": {"regex": pattern}}}


def _ours_only(ab: Manifest, base: Manifest) -> Manifest:
    """The conditions of an A/B match that the user's own match (`base`) does not have."""
    return {
        key: {k: v for k, v in (ab.get(key) or {}).items() if (base.get(key) or {}).get(k) != v}
        for key in ("headers", "queryParams")
    }


def _parse_match(m: Manifest) -> RouteMatch | None:
    for key, kind in (("headers", "header"), ("queryParams", "query")):
        for name, cond in (m.get(key) or {}).items():
            if kind == "header" and name == "cookie" and "regex" in cond:
                found = re.search(r"\((?:\\.|[^()])*?\)\?\((.+?)=(.+?)\)\(", cond["regex"])
                pair = (found.group(1), found.group(2)) if found else ("?", "?")
                return RouteMatch(
                    "cookie", re.sub(r"\\(.)", r"\1", pair[0]), re.sub(r"\\(.)", r"\1", pair[1])
                )
            return RouteMatch(kind, name, str(cond.get("exact", "")))  # type: ignore[arg-type]
    return None
