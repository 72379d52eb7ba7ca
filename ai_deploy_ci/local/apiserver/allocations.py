"""What kube-apiserver fills in when an object is created: ClusterIPs, initial statuses, QoS class,
and the selector and labels of a Job (whose pods are matched by the Job's uid)."""

from __future__ import annotations

from .ipam import IpAllocator
from .resources import ResourceType
from .store import Obj


def on_create(rt: ResourceType, obj: Obj, cluster_ips: IpAllocator) -> None:
    """Server-side allocations on create: ClusterIPs, initial statuses, a Job's generated selector."""
    spec: Obj = obj["spec"] if isinstance(obj.get("spec"), dict) else {}
    if rt.kind == "Service" and spec.get("type", "ClusterIP") != "ExternalName":
        if not spec.get("clusterIP"):
            ports = [int(p["port"]) for p in spec.get("ports") or [] if isinstance(p.get("port"), int)]
            spec["clusterIP"] = cluster_ips.allocate(ports)
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        obj.setdefault("status", {"loadBalancer": {}})
    elif rt.kind == "Namespace":
        obj["status"] = {"phase": "Active"}
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    elif rt.kind == "Pod":
        obj["status"] = {"phase": "Pending", "qosClass": _qos(spec)}
    elif rt.kind == "Job" and not spec.get("manualSelector"):
        uid, name = obj["metadata"]["uid"], obj["metadata"]["name"]
        labels = {
            "batch.kubernetes.io/controller-uid": uid,
            "batch.kubernetes.io/job-name": name,
            "controller-uid": uid,
            "job-name": name,
        }
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
        spec.setdefault("template", {}).setdefault("metadata", {}).setdefault("labels", {}).update(labels)
    if (
        rt.kind in ("Deployment", "ReplicaSet", "Job", "StatefulSet")
        and "status" in obj
        and not obj["status"]
    ):
        obj["status"] = {}


def _qos(spec: Obj) -> str:
    containers = spec.get("containers") or []
    res = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in res):
        return "BestEffort"
    if all(
        r.get("limits", {}).get("cpu")
        and r.get("limits", {}).get("memory")
        and (r.get("requests") or r["limits"]) == r["limits"]
        for r in res
    ):
        return "Guaranteed"
    return "Burstable"
