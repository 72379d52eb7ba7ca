"""The route table: a snapshot of cluster objects compiled once, then asked per request.

Immutable by design: the watcher builds a new table on every change and swaps one reference,
so request threads never lock and a Service selector switch takes effect on the next request
after its watch event. Precedence on the public listener when several router kinds claim the
same host: HTTPRoute, then VirtualService, then Ingress, then a Service addressed by its own
DNS name (`svc`, `svc.ns`, `svc.ns.svc.cluster.local`). Traffic to a ClusterIP follows a mesh
route attached to that Service (HTTPRoute parentRef kind Service, or a VirtualService for its
host without a non-mesh gateway), else the Service's own selector (kube-proxy).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ai_deploy_ci.local.gateway.httproute import compile_httproutes, decide_httproute
from ai_deploy_ci.local.gateway.istio import compile_virtualservices, decide_istio, service_host
from ai_deploy_ci.local.gateway.nginx import compile_ingresses, decide_nginx
from ai_deploy_ci.local.gateway.objects import (
    Decision,
    Obj,
    Request,
    Target,
    endpoints_for,
    manual_endpoints,
    meta,
)


@dataclass(frozen=True)
class Snapshot:
    """Cluster objects as API JSON dicts, one list per kind the gateway watches."""

    services: Sequence[Obj] = field(default_factory=list)
    pods: Sequence[Obj] = field(default_factory=list)
    endpoints: Sequence[Obj] = field(default_factory=list)  # used for Services without a selector
    httproutes: Sequence[Obj] = field(default_factory=list)
    virtualservices: Sequence[Obj] = field(default_factory=list)
    destinationrules: Sequence[Obj] = field(default_factory=list)
    ingresses: Sequence[Obj] = field(default_factory=list)


class RouteTable:
    def __init__(self, snap: Snapshot):
        self.services: dict[tuple[str, str], Obj] = {meta(s): s for s in snap.services}
        self.by_cluster_ip: dict[tuple[str, int], tuple[str, str]] = {}
        for key, svc in self.services.items():
            spec = svc.get("spec") or {}
            ip = spec.get("clusterIP")
            if ip and ip != "None":
                for p in spec.get("ports") or []:
                    if (p.get("protocol") or "TCP") == "TCP":
                        self.by_cluster_ip[(str(ip), int(p["port"]))] = key
        self.pods = list(snap.pods)
        self.manual_endpoints: dict[tuple[str, str], Obj] = {meta(e): e for e in snap.endpoints}
        self.httproutes = compile_httproutes(snap.httproutes)
        self.istio = compile_virtualservices(snap.virtualservices, snap.destinationrules)
        self.nginx = compile_ingresses(snap.ingresses, self._named_port)
        self._endpoints: dict[Target, list[tuple[str, int]]] = {}

    def _named_port(self, namespace: str, service: str, name: str) -> int | None:
        svc = self.services.get((namespace, service)) or {}
        for p in (svc.get("spec") or {}).get("ports") or []:
            if p.get("name") == name:
                return int(p["port"])
        return None

    def listeners(self) -> set[tuple[str, int]]:
        """(ClusterIP, port) pairs that should be listening (kube-proxy's job)."""
        return set(self.by_cluster_ip)

    def endpoints(self, target: Target) -> list[tuple[str, int]]:
        """Ready pod addresses for a target; cached per table (the table never changes)."""
        cached = self._endpoints.get(target)
        if cached is None:
            svc = self.services.get((target.namespace, target.service))
            if svc is None:
                cached = []
            elif (svc.get("spec") or {}).get("selector"):
                cached = endpoints_for(svc, self.pods, target.port, dict(target.subset_labels))
            else:
                manual = self.manual_endpoints.get((target.namespace, target.service))
                cached = manual_endpoints(svc, manual, target.port) if manual else []
            self._endpoints[target] = cached
        return cached

    def decide_public(self, req: Request, rng: random.Random) -> Decision:
        for decision in (
            decide_httproute(self.httproutes, req, rng),
            decide_istio(self.istio, req, rng),
            decide_nginx(self.nginx, req, rng),
        ):
            if decision is not None:
                return decision
        key = service_host(req.host, "default") if req.host else None
        if key and key in self.services:
            return Decision(Target(key[0], key[1]), (), 200, f"Service {key[0]}/{key[1]}")
        return Decision(None, (), 404, "no route")

    def decide_cluster_ip(self, ip: str, port: int, req: Request, rng: random.Random) -> Decision:
        key = self.by_cluster_ip.get((ip, port))
        if key is None:
            return Decision(None, (), 503, "no service")
        for decision in (
            decide_httproute(self.httproutes, req, rng, mesh_service=key),
            decide_istio(self.istio, req, rng, mesh_service=key),
        ):
            if decision is not None:
                return decision
        return Decision(Target(key[0], key[1], port), (), 200, f"Service {key[0]}/{key[1]}")


def snapshot_from(objects: Mapping[str, list[dict[str, Any]]]) -> Snapshot:
    """A Snapshot from a {kind-plural: [objects]} mapping (missing kinds are empty)."""
    return Snapshot(**{name: list(objects.get(name, [])) for name in Snapshot.__dataclass_fields__})

