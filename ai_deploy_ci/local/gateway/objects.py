"""Pure building blocks of routing: requests, targets, and the matching rules all routers share.

Kubernetes objects arrive as plain dicts (the API's camelCase JSON), so this package never
imports `kubernetes`: the route table can be built and tested from literal dicts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class Request:
    """What routing may look at. Header names are lower-case; `host` has no port."""

    host: str
    path: str = "/"
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, list[str]] = field(default_factory=dict)
    method: str = "GET"

    @classmethod
    def from_http(cls, method: str, raw_path: str, headers: Mapping[str, str]) -> Request:
        lower = {k.lower(): v for k, v in headers.items()}
        path, _, qs = raw_path.partition("?")
        host = lower.get("host", "").rsplit(":", 1)[0] if not lower.get("host", "").startswith("[") else ""
        return cls(host.lower(), path or "/", lower, parse_qs(qs, keep_blank_values=True), method.upper())

    def cookie(self, name: str) -> str | None:
        for part in self.headers.get("cookie", "").split(";"):
            key, sep, value = part.strip().partition("=")
            if sep and key == name:
                return value
        return None


@dataclass(frozen=True)
class Target:
    """A destination: a Service port, optionally narrowed to a subset (a pod label selector)."""

    namespace: str
    service: str
    port: int | None = None  # the Service port; None → its first port
    subset: str = ""
    subset_labels: tuple[tuple[str, str], ...] = ()

    @property
    def key(self) -> str:
        """The counter key tests assert on: `ns/service` or `ns/service/subset`."""
        base = f"{self.namespace}/{self.service}"
        return f"{base}/{self.subset}" if self.subset else base


@dataclass(frozen=True)
class Mirror:
    target: Target
    fraction: float  # 0..1 of matching requests copied


@dataclass(frozen=True)
class Decision:
    """Where one request goes. `target` None means answer `status` (404 no route, 500 …)."""

    target: Target | None
    mirrors: tuple[Mirror, ...] = ()
    status: int = 200
    source: str = ""  # "HTTPRoute ns/name", "VirtualService ns/name", "Ingress ns/name", "Service ns/name"


def meta(obj: Obj) -> tuple[str, str]:
    m = obj.get("metadata") or {}
    return str(m.get("namespace") or "default"), str(m.get("name") or "")


def host_matches(pattern: str, host: str) -> bool:
    """Exact, or a leading wildcard label (`*.example.com` matches `a.example.com`), or `*`."""
    pattern = pattern.lower()
    if pattern in ("*", host):
        return True
    return pattern.startswith("*.") and host.endswith(pattern[1:]) and len(host) > len(pattern) - 1


@lru_cache(maxsize=1024)
def _regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def string_matches(kind: str, expected: str, actual: str | None) -> bool:
    """Exact / prefix / regular-expression (full match, as Envoy's RE2 matchers) comparison."""
    if actual is None:
        return False
    if kind in ("Exact", "exact"):
        return actual == expected
    if kind in ("PathPrefix", "prefix", "Prefix"):
        return actual.startswith(expected)
    if kind in ("RegularExpression", "regex"):
        rx = _regex(expected)
        return bool(rx and rx.fullmatch(actual))
    return False


def path_prefix_matches(prefix: str, path: str) -> bool:
    """Element-wise prefix, as Gateway API and Ingress define it: `/foo` matches `/foo/bar`
    and `/foo` but not `/foobar`."""
    prefix = prefix.rstrip("/")
    return not prefix or path == prefix or path.startswith(prefix + "/")


def labels_match(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def service_port(service: Obj, port: int | None) -> dict[str, Any] | None:
    """The Service port entry for a port number (None → the first)."""
    ports = (service.get("spec") or {}).get("ports") or []
    if port is None:
        return ports[0] if ports else None
    return next((p for p in ports if p.get("port") == port), None)


def pod_ready(pod: Obj) -> bool:
    status = pod.get("status") or {}
    if (pod.get("metadata") or {}).get("deletionTimestamp") or not status.get("podIP"):
        return False
    if status.get("phase") not in (None, "Running"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])


def pod_port(pod: Obj, target_port: int | str) -> int | None:
    """A Service targetPort resolved against this pod: a number, or a named container port."""
    if isinstance(target_port, int):
        return target_port
    if str(target_port).isdigit():
        return int(target_port)
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("name") == target_port:
                return int(port["containerPort"])
    return None


def manual_endpoints(service: Obj, endpoints: Obj, port: int | None) -> list[tuple[str, int]]:
    """Ready addresses of a hand-written Endpoints object (a Service without a selector, e.g. in
    front of model servers started outside the cluster); its port is matched by the Service
    port's name, or taken as the only one."""
    entry = service_port(service, port)
    if entry is None:
        return []
    out = []
    for subset in endpoints.get("subsets") or []:
        ports = subset.get("ports") or []
        only = ports[0] if len(ports) == 1 else None
        chosen = next((p for p in ports if p.get("name") == entry.get("name")), only)
        if chosen is not None:
            out += [(str(a["ip"]), int(chosen["port"])) for a in subset.get("addresses") or [] if a.get("ip")]
    return sorted(out)


def endpoints_for(
    service: Obj, pods: Sequence[Obj], port: int | None, subset_labels: Mapping[str, str] | None = None
) -> list[tuple[str, int]]:
    """Ready pod addresses behind a Service port, narrowed by subset labels: what kube-proxy
    (via EndpointSlices) or an Istio subset would send to. A Service without a selector has none."""
    spec = service.get("spec") or {}
    selector = spec.get("selector") or {}
    entry = service_port(service, port)
    if not selector or entry is None:
        return []
    namespace = meta(service)[0]
    target_port: int | str = entry.get("targetPort") or entry["port"]
    out = []
    for pod in pods:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if meta(pod)[0] != namespace or not labels_match(selector, labels) or not pod_ready(pod):
            continue
        if subset_labels and not labels_match(subset_labels, labels):
            continue
        number = pod_port(pod, target_port)
        if number is not None:
            out.append((str(pod["status"]["podIP"]), number))
    return sorted(out)
