"""NGINX Ingress (stable + canary Ingress) → paths per host; request → stable or canary backend.

The canary decision copies ingress-nginx's `route_to_alternative_balancer` (balancer.lua):
1. header `canary-by-header`: if `canary-by-header-value` is set, equal → canary (else fall
   through); with `canary-by-header-pattern`, a match → canary; otherwise `always` → canary,
   `never` → stable;
2. cookie `canary-by-cookie`: `always` → canary, `never` → stable;
3. weight: `random(1..total) <= canary-weight`, total = `canary-weight-total` if > 100 else 100.
A canary Ingress only counts where a stable Ingress serves the same host and path.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ai_deploy_ci.local.gateway.objects import (
    Decision,
    Obj,
    Request,
    Target,
    host_matches,
    meta,
    path_prefix_matches,
)

PREFIX = "nginx.ingress.kubernetes.io/"
PortResolver = Callable[[str, str, str], int | None]


@dataclass(frozen=True)
class Canary:
    target: Target
    source: str
    weight: int = 0
    weight_total: int = 100
    header: str = ""
    header_value: str = ""
    header_pattern: str = ""
    cookie: str = ""

    def wants(self, req: Request, rng: random.Random) -> bool:
        if self.header:
            value = req.headers.get(self.header.lower())
            if value is not None:
                if self.header_value:
                    if value == self.header_value:
                        return True
                elif self.header_pattern:
                    if re.search(self.header_pattern, value):
                        return True
                elif value == "always":
                    return True
                elif value == "never":
                    return False
        if self.cookie:
            cookie = req.cookie(self.cookie)
            if cookie == "always":
                return True
            if cookie == "never":
                return False
        total = self.weight_total if self.weight_total > 100 else 100
        return rng.randint(1, total) <= self.weight


@dataclass(frozen=True)
class IngressPath:
    host: str  # "" → every host
    path_type: str  # Exact | Prefix | ImplementationSpecific
    path: str
    stable: Target
    source: str
    canary: Canary | None = None

    def matches(self, req: Request) -> bool:
        if self.host and not host_matches(self.host, req.host):
            return False
        if self.path_type == "Exact":
            return req.path == self.path
        return path_prefix_matches(self.path, req.path)


def _target(backend: Obj, namespace: str, ports: PortResolver) -> Target | None:
    service = backend.get("service") or {}
    if not service.get("name"):
        return None
    port = service.get("port") or {}
    number = port.get("number")
    if number is None and port.get("name"):
        number = ports(namespace, str(service["name"]), str(port["name"]))
    return Target(namespace, str(service["name"]), number)


def _paths(ingress: Obj, ports: PortResolver) -> list[tuple[str, str, str, Target]]:
    ns, _ = meta(ingress)
    spec = ingress.get("spec") or {}
    out = []
    for rule in spec.get("rules") or []:
        for p in (rule.get("http") or {}).get("paths") or []:
            target = _target(p.get("backend") or {}, ns, ports)
            if target:
                out.append(
                    (
                        str(rule.get("host") or "").lower(),
                        str(p.get("pathType") or "Prefix"),
                        str(p.get("path") or "/"),
                        target,
                    )
                )
    default = _target(spec.get("defaultBackend") or {}, ns, ports)
    if default:
        out.append(("", "Prefix", "/", default))
    return out


def _int(annotations: Obj, name: str, default: int) -> int:
    try:
        return int(str(annotations.get(PREFIX + name, default)).strip())
    except ValueError:
        return default


def compile_ingresses(ingresses: Sequence[Obj], ports: PortResolver) -> list[IngressPath]:
    stable: dict[tuple[str, str, str], IngressPath] = {}
    canaries: list[tuple[tuple[str, str, str], Canary]] = []
    for ing in sorted(
        ingresses, key=lambda o: (str((o.get("metadata") or {}).get("creationTimestamp") or ""), *meta(o))
    ):
        ns, name = meta(ing)
        ann = (ing.get("metadata") or {}).get("annotations") or {}
        source = f"Ingress {ns}/{name}"
        is_canary = str(ann.get(PREFIX + "canary", "")).lower() == "true"
        for host, ptype, path, target in _paths(ing, ports):
            key = (host, "Exact" if ptype == "Exact" else "Prefix", path)
            if is_canary:
                canaries.append(
                    (
                        key,
                        Canary(
                            target,
                            source,
                            _int(ann, "canary-weight", 0),
                            _int(ann, "canary-weight-total", 100),
                            str(ann.get(PREFIX + "canary-by-header", "")),
                            str(ann.get(PREFIX + "canary-by-header-value", "")),
                            str(ann.get(PREFIX + "canary-by-header-pattern", "")),
                            str(ann.get(PREFIX + "canary-by-cookie", "")),
                        ),
                    )
                )
            else:
                stable.setdefault(key, IngressPath(host, key[1], path, target, source))
    for key, canary in canaries:
        if key in stable and stable[key].canary is None:
            p = stable[key]
            stable[key] = IngressPath(p.host, p.path_type, p.path, p.stable, p.source, canary)
    return list(stable.values())


def decide_nginx(paths: list[IngressPath], req: Request, rng: random.Random) -> Decision | None:
    """The most specific path (a host over the catch-all, Exact over Prefix, longest), then canary."""
    candidates = [p for p in paths if p.matches(req)]
    if not candidates:
        return None
    best = min(candidates, key=lambda p: (p.host == "", p.path_type != "Exact", -len(p.path)))
    if best.canary is not None and best.canary.wants(req, rng):
        return Decision(best.canary.target, (), 200, best.canary.source)
    return Decision(best.stable, (), 200, best.source)
