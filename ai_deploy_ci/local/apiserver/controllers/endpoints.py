"""Endpoints and EndpointSlices for Services with a selector, from their pods' readiness and IPs
(what the gateway reads to route traffic). Terminating pods leave `addresses` at once."""

from __future__ import annotations

import contextlib
from typing import Any

from ..errors import ApiError
from ..store import Obj
from .base import Controller, owner_ref, pod_ready


def _target_port(port: Obj, pod: Obj) -> int | None:
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for c in pod["spec"].get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("name") == target:
                return int(p["containerPort"])
    return None


def _pod_ref(pod: Obj) -> Obj:
    """The node and pod an address belongs to, as both Endpoints and EndpointSlices record them."""
    meta = pod["metadata"]
    target = {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]}
    return {"nodeName": pod["spec"].get("nodeName"), "targetRef": target}


class EndpointsController(Controller):
    def __init__(self, api: Any) -> None:
        super().__init__(api)
        self.svc_rt = self.rt("", "v1", "services")
        self.ep_rt = self.rt("", "v1", "endpoints")
        self.slice_rt = self.rt("discovery.k8s.io", "v1", "endpointslices")
        self.pod_rt = self.rt("", "v1", "pods")

    def sync(self, now: float) -> float | None:
        services = {
            (s["metadata"]["namespace"], s["metadata"]["name"]): s
            for s in self.api.store.list(self.svc_rt.key)
        }
        pods = self.api.store.list(self.pod_rt.key)
        for (ns, _name), svc in services.items():
            selector = svc["spec"].get("selector")
            if not selector:
                continue
            svc = self.api.render(self.svc_rt, svc)
            matched = [
                p
                for p in pods
                if p["metadata"]["namespace"] == ns
                and p.get("status", {}).get("podIP")
                and all((p["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())
                and p.get("status", {}).get("phase") not in ("Succeeded", "Failed")
            ]
            self._endpoints(svc, matched)
            self._slice(svc, matched)
        for ep in self.api.store.list(self.ep_rt.key):
            key = (ep["metadata"]["namespace"], ep["metadata"]["name"])
            orphaned = key not in services or not services[key]["spec"].get("selector")
            managed = (ep["metadata"].get("labels") or {}).get("endpoints.ai-deploy-ci/managed") == "true"
            if orphaned and managed:
                with contextlib.suppress(LookupError):
                    self.api.store.delete(self.ep_rt.key, *key)
        return None

    def _endpoints(self, svc: Obj, pods: list[Obj]) -> None:
        subsets: dict[tuple[Any, ...], Obj] = {}
        for pod in sorted(pods, key=lambda p: p["status"]["podIP"]):
            ports = [
                {"name": p.get("name"), "port": _target_port(p, pod), "protocol": p.get("protocol", "TCP")}
                for p in svc["spec"].get("ports") or []
            ]
            ports = [{k: v for k, v in p.items() if v is not None} for p in ports if p["port"] is not None]
            key = tuple((p.get("name"), p["port"]) for p in ports)
            subset = subsets.setdefault(key, {"ports": ports})
            addr = {"ip": pod["status"]["podIP"], **_pod_ref(pod)}
            terminating = bool(pod["metadata"].get("deletionTimestamp"))
            if pod_ready(pod) and not terminating:
                subset.setdefault("addresses", []).append(addr)
            elif not terminating:
                subset.setdefault("notReadyAddresses", []).append(addr)
        body: Obj = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": svc["metadata"]["name"],
                "namespace": svc["metadata"]["namespace"],
                "labels": {**(svc["metadata"].get("labels") or {}), "endpoints.ai-deploy-ci/managed": "true"},
            },
            "subsets": [s for s in subsets.values() if len(s) > 1],
        }
        if not body["subsets"]:
            del body["subsets"]
        self._upsert(self.ep_rt, body, ("subsets", "metadata"))

    def _slice(self, svc: Obj, pods: list[Obj]) -> None:
        ports = []
        for p in svc["spec"].get("ports") or []:
            resolved = next((_target_port(p, pod) for pod in pods), None)
            if resolved is None and isinstance(p.get("targetPort", p.get("port")), int):
                resolved = p.get("targetPort", p.get("port"))
            ports.append(
                {
                    k: v
                    for k, v in {
                        "name": p.get("name", ""),
                        "port": resolved,
                        "protocol": p.get("protocol", "TCP"),
                    }.items()
                    if v is not None
                }
            )
        endpoints = []
        for pod in sorted(pods, key=lambda p: p["status"]["podIP"]):
            terminating = bool(pod["metadata"].get("deletionTimestamp"))
            ready = pod_ready(pod)
            endpoints.append(
                {
                    "addresses": [pod["status"]["podIP"]],
                    "conditions": {
                        "ready": ready and not terminating,
                        "serving": ready,
                        "terminating": terminating,
                    },
                    **_pod_ref(pod),
                }
            )
        body: Obj = {
            "apiVersion": "discovery.k8s.io/v1",
            "kind": "EndpointSlice",
            "metadata": {
                "name": f"{svc['metadata']['name']}-local",
                "namespace": svc["metadata"]["namespace"],
                "labels": {
                    "kubernetes.io/service-name": svc["metadata"]["name"],
                    "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                },
                "ownerReferences": [{**owner_ref(svc), "blockOwnerDeletion": True}],
            },
            "addressType": "IPv4",
            "endpoints": endpoints,
            "ports": ports,
        }
        self._upsert(self.slice_rt, body, ("endpoints", "ports", "metadata"))

    def _upsert(self, rt: Any, body: Obj, fields: tuple[str, ...]) -> None:
        meta = body["metadata"]
        current = self.api.store.get(rt.key, meta["namespace"], meta["name"])
        try:
            if current is None:
                self.api.create(rt, meta["namespace"], body, internal=True)
                return
            compare_meta = {k: current["metadata"].get(k) for k in meta}
            if all(current.get(f) == body.get(f) for f in fields if f != "metadata") and compare_meta == meta:
                return
            new = {**current, **{k: v for k, v in body.items() if k != "metadata"}}
            new["metadata"] = {**current["metadata"], **meta}
            if "subsets" not in body:
                new.pop("subsets", None)
            self.api.update(rt, meta["namespace"], meta["name"], new, internal=True)
        except ApiError:
            pass
