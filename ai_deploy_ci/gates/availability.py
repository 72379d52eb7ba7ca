"""Zero-downtime evidence: probe the user's entry point for the whole rollout (`pipeline.evidence`).

The probe starts before the first write and stops after promotion or rollback, so a selector
switch, a pod terminating with requests in flight, or a rollback that drops traffic all show
up as failed requests and a failure streak in the report. It probes only an endpoint that
answers before the run: on a first deploy there is nothing to keep available yet.

It goes where users go (issue #12: it used to probe `/readyz` on the stable Service's ClusterIP,
which bypasses the route): for NGINX the Ingress's address, for Gateway API the parent Gateway's
address, for Istio the ingress gateway's, each with the route's Host header; the public Service
for the service / replicas routers and for mesh (GAMMA) routes. And it sends what users send —
one inference request of `server.protocol` with the first payload — unless
`load.availabilityProbe.path` names something else than the health path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai_deploy_ci.artifacts import SUMMARY_FILE, Availability
from ai_deploy_ci.gates import Endpoint
from ai_deploy_ci.gates.load_and_judge import reachable_url
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.spec.model import Spec

if TYPE_CHECKING:
    from ai_deploy_ci.cluster.api import Kube
    from ai_deploy_ci.load.availability import AvailabilityProbe

AVAILABILITY_FILE = "availability.json"
DEFAULT_PATH = "/readyz"
ISTIO_INGRESS = ("istio-system", "istio-ingressgateway")


@dataclass(frozen=True)
class Entry:
    url: str
    host: str | None = None  # Host header: the route's hostname when probing a shared address


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None


def entry_point(spec: Spec, kube: Kube, override: str | None = None) -> Entry | None:
    """`--availability-url`, else `load.availabilityProbe.url`, else the address users reach
    (see the module docstring), else the live public Service (None before a first deploy)."""
    if override or spec.load.availability.url:
        return Entry(str(override or spec.load.availability.url))
    routed = _routed_address(spec, kube)
    if routed is not None:
        return routed
    service = spec.traffic_router.service or spec.metadata.name
    endpoint = Endpoint.resolver(kube, spec.metadata.namespace, spec.server.port)(service, None)
    if endpoint is None or endpoint.cluster_ip is None:  # no public Service yet: a first deploy
        return None
    return Entry(reachable_url(endpoint))


def public_url(spec: Spec, kube: Kube, override: str | None = None) -> str | None:
    entry = entry_point(spec, kube, override)
    return None if entry is None else entry.url


def request(spec: Spec) -> Request:
    """One real request of the configured protocol (or a GET of a path the user chose)."""
    path = spec.load.availability.path
    payload: Any = spec.load.payloads[0] if spec.load.payloads else None
    if path != DEFAULT_PATH or (payload is None and spec.server.protocol != "openai"):
        return Request("GET", path)
    if spec.server.protocol == "open-inference-v2":
        return Request("POST", f"/v2/models/{spec.server.model_name or spec.metadata.name}/infer",
                       json.dumps(payload).encode())
    if spec.server.protocol == "openai":
        body = {"model": spec.server.model_name or spec.metadata.name, "max_tokens": 1, "stream": False,
                "messages": [{"role": "user", "content": "ping"}]}
        return Request("POST", "/v1/chat/completions", json.dumps(body).encode())
    return Request("POST", "/predict", json.dumps(payload).encode())


def _routed_address(spec: Spec, kube: Kube) -> Entry | None:
    """The shared address of an Ingress / Gateway / Istio ingress gateway, with the route's Host."""
    tr, ns = spec.traffic_router, spec.metadata.namespace
    host = tr.hosts[0] if tr.hosts else None
    if host is None or host.endswith(".svc.cluster.local") or tr.mesh:
        return None
    if tr.type == "nginx":
        obj = kube.get(ObjectRef("networking.k8s.io/v1", "Ingress", ns, tr.ingress or spec.metadata.name))
        lb = ((obj or {}).get("status", {}).get("loadBalancer", {}).get("ingress") or [{}])[0]
        address = lb.get("ip") or lb.get("hostname")
        port = int(((lb.get("ports") or [{}])[0]).get("port") or 80)
    elif tr.type == "gatewayAPI" and tr.gateway is not None:
        gw = kube.get(ObjectRef("gateway.networking.k8s.io/v1", "Gateway", tr.gateway[0], tr.gateway[1]))
        address = (((gw or {}).get("status", {}).get("addresses")) or [{}])[0].get("value")
        port = int(next((li.get("port") for li in (gw or {}).get("spec", {}).get("listeners", [])
                         if li.get("protocol") == "HTTP"), 80))
    elif tr.type == "istio":
        svc = kube.get(ObjectRef("v1", "Service", *ISTIO_INGRESS))
        lb = ((svc or {}).get("status", {}).get("loadBalancer", {}).get("ingress") or [{}])[0]
        address = lb.get("ip") or lb.get("hostname") or (svc or {}).get("spec", {}).get("clusterIP")
        port = 80
    else:
        return None
    return Entry(f"http://{address}:{port}", host) if address else None


def start(spec: Spec, kube: Kube, override: str | None = None) -> AvailabilityProbe | None:
    if not spec.load.availability.enabled:
        return None
    entry = entry_point(spec, kube, override)
    if entry is None:
        return None
    from ai_deploy_ci.load.availability import AvailabilityProbe

    probe, req = spec.load.availability, request(spec)
    headers = {"Content-Type": "application/json"} if req.body is not None else {}
    if entry.host:
        headers["Host"] = entry.host
    return AvailabilityProbe(entry.url, rate=probe.rate, timeout=probe.timeout, path=req.path,
                             headers=headers, method=req.method, body=req.body).start()


def record(results: Path, availability: Availability) -> None:
    """availability.json, and the same figures in the top-level summary.json the report reads."""
    (results / AVAILABILITY_FILE).write_text(json.dumps(availability, indent=2), encoding="utf-8")
    summary_path = results / SUMMARY_FILE
    if not summary_path.is_file():
        return
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except ValueError:
        return
    if isinstance(summary, dict):
        summary["availability"] = availability
        summary_path.write_text(json.dumps(summary, indent=2), encoding="utf-8")
