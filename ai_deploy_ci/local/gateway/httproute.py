"""Gateway API HTTPRoute → candidate matches; request → the winning match → weighted backend.

Precedence follows the HTTPRoute spec: the most specific hostname, then an Exact path over a
prefix, the longest prefix, a method match, the most header matches, the most query-param
matches, then the oldest route, then namespace/name, then rule and match order.
`RequestMirror` filters (with the experimental `percent` or `fraction`) become mirrors.
Routes whose parentRef is a Service (GAMMA, mesh) apply to traffic sent to that Service.

Weighted pick, worked example: backendRefs v1 weight 75, v2 weight 25 → a uniform draw u in
[0, 100): u < 75 → v1, else v2. All weights 0 → 500, as the spec requires.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ai_deploy_ci.local.gateway.objects import (
    Decision,
    Mirror,
    Obj,
    Request,
    Target,
    host_matches,
    meta,
    path_prefix_matches,
    string_matches,
)


@dataclass(frozen=True)
class RouteMatch:
    """One `matches[]` entry of one rule, flattened with everything needed to decide."""

    source: str
    hostnames: tuple[str, ...]
    mesh_services: tuple[tuple[str, str], ...]  # (namespace, name) of Service parentRefs
    path: tuple[str, str]  # (type, value)
    headers: tuple[tuple[str, str, str], ...]  # (type, lower-case name, value)
    query: tuple[tuple[str, str, str], ...]
    method: str | None
    backends: tuple[tuple[Target, int], ...]
    mirrors: tuple[Mirror, ...]
    static_rank: tuple[Any, ...]

    def matches(self, req: Request) -> bool:
        kind, value = self.path
        if kind == "Exact":
            ok = req.path == value
        elif kind == "RegularExpression":
            ok = string_matches("regex", value, req.path)
        else:
            ok = path_prefix_matches(value, req.path)
        if not ok or (self.method and req.method != self.method):
            return False
        if not all(string_matches(t, v, req.headers.get(n)) for t, n, v in self.headers):
            return False
        return all(string_matches(t, v, next(iter(req.query.get(n) or []), None)) for t, n, v in self.query)

    def pick(self, rng: random.Random) -> Decision:
        total = sum(w for _, w in self.backends)
        if total <= 0:
            return Decision(None, self.mirrors, 500, self.source)
        draw = rng.random() * total
        for target, weight in self.backends:
            if draw < weight:
                return Decision(target, self.mirrors, 200, self.source)
            draw -= weight
        return Decision(self.backends[-1][0], self.mirrors, 200, self.source)


def _fraction(mirror: Obj) -> float:
    if "fraction" in mirror:
        f = mirror["fraction"]
        return float(f.get("numerator", 0)) / float(f.get("denominator", 100) or 100)
    if "percent" in mirror:
        return float(mirror["percent"]) / 100.0
    return 1.0


def _target(ref: Obj, namespace: str) -> Target:
    return Target(str(ref.get("namespace") or namespace), str(ref["name"]), ref.get("port"))


def compile_httproutes(routes: Sequence[Obj]) -> list[RouteMatch]:
    out: list[RouteMatch] = []
    for route in routes:
        ns, name = meta(route)
        spec = route.get("spec") or {}
        created = str((route.get("metadata") or {}).get("creationTimestamp") or "")
        mesh = tuple(
            (str(p.get("namespace") or ns), str(p["name"]))
            for p in spec.get("parentRefs") or []
            if p.get("kind") == "Service"
        )
        hostnames = tuple(h.lower() for h in spec.get("hostnames") or [])
        for r_index, rule in enumerate(spec.get("rules") or []):
            backends = tuple(
                (_target(b, ns), int(b.get("weight", 1)))
                for b in rule.get("backendRefs") or []
                if b.get("kind", "Service") == "Service"
            )
            mirrors = tuple(
                Mirror(_target(f["requestMirror"]["backendRef"], ns), _fraction(f["requestMirror"]))
                for f in rule.get("filters") or []
                if f.get("type") == "RequestMirror"
            )
            for m_index, match in enumerate(rule.get("matches") or [{}]):
                path = match.get("path") or {"type": "PathPrefix", "value": "/"}
                ptype, pvalue = str(path.get("type", "PathPrefix")), str(path.get("value", "/"))
                headers = tuple(
                    (str(h.get("type", "Exact")), str(h["name"]).lower(), str(h["value"]))
                    for h in match.get("headers") or []
                )
                query = tuple(
                    (str(q.get("type", "Exact")), str(q["name"]), str(q["value"]))
                    for q in match.get("queryParams") or []
                )
                method = match.get("method")
                rank = (
                    0 if ptype == "Exact" else 1,
                    -len(pvalue),
                    0 if method else 1,
                    -len(headers),
                    -len(query),
                    created,
                    ns,
                    name,
                    r_index,
                    m_index,
                )
                out.append(
                    RouteMatch(
                        f"HTTPRoute {ns}/{name}",
                        hostnames,
                        mesh,
                        (ptype, pvalue),
                        headers,
                        query,
                        method,
                        backends,
                        mirrors,
                        rank,
                    )
                )
    return out


def _host_rank(hostnames: tuple[str, ...], host: str) -> tuple[int, int] | None:
    """(0 exact | 1 wildcard | 2 no hostnames, -length) of the best matching hostname; None if none."""
    if not hostnames:
        return (2, 0)
    ranks = [(0 if h == host else 1, -len(h)) for h in hostnames if host_matches(h, host)]
    return min(ranks) if ranks else None


def decide_httproute(
    matches: list[RouteMatch], req: Request, rng: random.Random, mesh_service: tuple[str, str] | None = None
) -> Decision | None:
    """The decision of the best matching route, or None if no HTTPRoute claims the request.
    With `mesh_service`, only routes attached to that Service (parentRef kind Service) count."""
    best: tuple[Any, RouteMatch] | None = None
    for m in matches:
        if mesh_service is not None:
            if mesh_service not in m.mesh_services:
                continue
            host_rank: tuple[int, int] | None = (0, 0)
        else:
            if m.mesh_services:
                continue
            host_rank = _host_rank(m.hostnames, req.host)
        if host_rank is None or not m.matches(req):
            continue
        key = (host_rank, m.static_rank)
        if best is None or key < best[0]:
            best = (key, m)
    return best[1].pick(rng) if best else None


def hostnames_claimed(matches: list[RouteMatch], host: str) -> bool:
    """Whether some public route is bound to this host (then a non-matching path is a 404 here)."""
    return any(not m.mesh_services and _host_rank(m.hostnames, host) is not None for m in matches)
