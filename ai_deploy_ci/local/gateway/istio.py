"""Istio VirtualService (+ DestinationRule subsets) → ordered http routes; request → destination.

As in Istio: the first `http[]` entry whose `match` list has a matching block wins (blocks are
OR'ed, conditions inside one block AND'ed; no `match` matches everything); `route[].weight`
splits traffic (a lone destination gets 100); `subset` narrows the Service's pods by the
DestinationRule subset's labels; `mirror` + `mirrorPercentage.value` (a percent, default 100)
and the newer `mirrors[]` copy requests. Header/queryParam matchers are `exact`, `prefix` or
`regex` (full match, RE2-style), so a cookie is matched with `headers.cookie.regex`.
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
    string_matches,
)


def service_host(host: str, namespace: str) -> tuple[str, str] | None:
    """`svc`, `svc.ns`, `svc.ns.svc[.cluster.local]` → (namespace, service); None for other names."""
    parts = host.lower().split(".")
    if len(parts) == 1:
        return namespace, parts[0]
    if len(parts) == 2 or parts[2] == "svc":
        return parts[1], parts[0]
    return None


def resolve_host(host: str, namespace: str) -> tuple[str, str]:
    """A destination host as a Service; a non-cluster name falls back to its first label."""
    return service_host(host, namespace) or (namespace, host.lower().split(".")[0])


@dataclass(frozen=True)
class IstioRoute:
    source: str
    hosts: tuple[str, ...]
    mesh: bool  # applies to in-mesh traffic (gateways empty or containing "mesh")
    namespace: str
    matches: tuple[Obj, ...]  # empty → match all
    routes: tuple[tuple[Target, int], ...]
    mirrors: tuple[Mirror, ...]

    def applies(self, req: Request) -> bool:
        if not self.matches:
            return True
        return any(_block_matches(block, req) for block in self.matches)

    def pick(self, rng: random.Random) -> Decision:
        routes = self.routes
        if len(routes) == 1:
            return Decision(routes[0][0], self.mirrors, 200, self.source)
        total = sum(w for _, w in routes)
        if total <= 0:
            return Decision(None, self.mirrors, 500, self.source)
        draw = rng.random() * total
        for target, weight in routes:
            if draw < weight:
                return Decision(target, self.mirrors, 200, self.source)
            draw -= weight
        return Decision(routes[-1][0], self.mirrors, 200, self.source)


def _string_match(spec: Obj, actual: str | None) -> bool:
    return any(
        string_matches(kind, str(spec[kind]), actual) for kind in ("exact", "prefix", "regex") if kind in spec
    )


def _block_matches(block: Obj, req: Request) -> bool:
    if "uri" in block and not _string_match(block["uri"], req.path):
        return False
    if "method" in block and not _string_match(block["method"], req.method):
        return False
    for name, spec in (block.get("headers") or {}).items():
        if not _string_match(spec or {}, req.headers.get(name.lower())):
            return False
    for name, spec in (block.get("withoutHeaders") or {}).items():
        if _string_match(spec or {}, req.headers.get(name.lower())) or (
            not spec and name.lower() in req.headers
        ):
            return False
    for name, spec in (block.get("queryParams") or {}).items():
        if not _string_match(spec or {}, next(iter(req.query.get(name) or []), None)):
            return False
    return True


def subset_index(destination_rules: Sequence[Obj]) -> dict[tuple[str, str, str], tuple[tuple[str, str], ...]]:
    """(namespace, service, subset) → pod labels, from every DestinationRule."""
    out: dict[tuple[str, str, str], tuple[tuple[str, str], ...]] = {}
    for dr in destination_rules:
        ns, _ = meta(dr)
        spec = dr.get("spec") or {}
        svc_ns, svc = resolve_host(str(spec.get("host", "")), ns)
        for subset in spec.get("subsets") or []:
            labels = tuple(sorted((str(k), str(v)) for k, v in (subset.get("labels") or {}).items()))
            out[(svc_ns, svc, str(subset.get("name")))] = labels
    return out


def _destination(dest: Obj, namespace: str, subsets: dict[tuple[str, str, str], Any]) -> Target:
    svc_ns, svc = resolve_host(str(dest.get("host", "")), namespace)
    subset = str(dest.get("subset") or "")
    port = (dest.get("port") or {}).get("number")
    # an unknown subset has no labels to narrow by; Istio answers 503 (no healthy upstream)
    labels = subsets.get((svc_ns, svc, subset), (("__missing_subset__", subset),)) if subset else ()
    return Target(svc_ns, svc, port, subset, labels)


def compile_virtualservices(services: Sequence[Obj], destination_rules: Sequence[Obj]) -> list[IstioRoute]:
    """VirtualServices in a stable order (creation time, namespace, name) → flat http routes."""
    subsets = subset_index(destination_rules)
    out: list[IstioRoute] = []
    key = lambda o: (str((o.get("metadata") or {}).get("creationTimestamp") or ""), *meta(o))  # noqa: E731
    for vs in sorted(services, key=key):
        ns, name = meta(vs)
        spec = vs.get("spec") or {}
        gateways = spec.get("gateways") or []
        hosts = tuple(str(h).lower() for h in spec.get("hosts") or [])
        for http in spec.get("http") or []:
            routes = tuple(
                (_destination(r.get("destination") or {}, ns, subsets), int(r.get("weight", 0)))
                for r in http.get("route") or []
            )
            mirrors: list[Mirror] = []
            if http.get("mirror"):
                pct = (http.get("mirrorPercentage") or {}).get("value", 100.0)
                mirrors.append(Mirror(_destination(http["mirror"], ns, subsets), float(pct) / 100.0))
            for m in http.get("mirrors") or []:
                pct = (m.get("percentage") or {}).get("value", 100.0)
                mirrors.append(
                    Mirror(_destination(m.get("destination") or {}, ns, subsets), float(pct) / 100.0)
                )
            if routes:
                out.append(
                    IstioRoute(
                        f"VirtualService {ns}/{name}",
                        hosts,
                        not gateways or "mesh" in gateways,
                        ns,
                        tuple(http.get("match") or ()),
                        routes,
                        tuple(mirrors),
                    )
                )
    return out


def decide_istio(
    routes: list[IstioRoute], req: Request, rng: random.Random, mesh_service: tuple[str, str] | None = None
) -> Decision | None:
    """First matching route for the request's Host (or, in the mesh, for a Service's names)."""
    for route in routes:
        if mesh_service is not None:
            if not route.mesh or not any(
                service_host(h, route.namespace) == mesh_service for h in route.hosts
            ):
                continue
        elif not any(host_matches(h, req.host) for h in route.hosts):
            continue
        if route.applies(req):
            return route.pick(rng)
    return None


def hosts_claimed(routes: list[IstioRoute], host: str) -> bool:
    return any(host_matches(h, host) for r in routes for h in r.hosts)
