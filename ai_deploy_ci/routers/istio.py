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
        return {
            "apiVersion": API_VERSION,
            "kind": "DestinationRule",
            "metadata": self.meta(self.dr_name),
            "spec": {"host": self.names.service, "subsets": subsets},
        }

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
        for rule in vs["spec"].get("http", []):
            if rule.get("match"):
                match = _parse_match(rule["match"][0])
                continue
            for r in rule.get("route", []):
                subset = r["destination"].get("subset", "stable")
                weights[subset] = weights.get(subset, 0) + int(r.get("weight", 100))
            if rule.get("mirror"):
                mirror = float(rule.get("mirrorPercentage", {}).get("value", 100.0))
        total = weights["stable"] + weights["candidate"] or 1
        cand = round(100 * weights["candidate"] / total)
        present = any(
            r["destination"].get("subset") == "candidate"
            for rule in vs["spec"].get("http", [])
            for r in rule.get("route", [])
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
