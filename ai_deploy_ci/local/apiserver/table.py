"""`meta.k8s.io/v1` Table responses, so `kubectl get` prints the usual columns (READY, STATUS, AGE…).

kubectl asks for them with `Accept: application/json;as=Table;…`; other clients never do. Ages are
computed from cluster time, so they are right at any `time_scale`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .clock import parse_time

Obj = dict[str, Any]
Column = tuple[str, str, int, Callable[[Obj, float], Any]]  # (name, type, priority, value)


def age(seconds: float) -> str:
    s = max(int(seconds), 0)
    if s < 120:
        return f"{s}s"
    if s < 600:
        return f"{s // 60}m{s % 60}s" if s % 60 else f"{s // 60}m"
    if s < 3 * 3600:
        return f"{s // 60}m"
    if s < 8 * 3600:
        return f"{s // 3600}h{(s % 3600) // 60}m" if (s % 3600) // 60 else f"{s // 3600}h"
    if s < 2 * 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def _age(obj: Obj, now: float) -> str:
    created = parse_time(obj.get("metadata", {}).get("creationTimestamp"))
    return "<unknown>" if created is None else age(now - created)


def _st(obj: Obj, key: str, default: Any = 0) -> Any:
    return (obj.get("status") or {}).get(key, default)


def _pod_status(pod: Obj, now: float) -> str:
    if pod["metadata"].get("deletionTimestamp"):
        return "Terminating"
    for cs in _st(pod, "containerStatuses", []) or []:
        waiting = (cs.get("state") or {}).get("waiting")
        if waiting and waiting.get("reason"):
            return str(waiting["reason"])
        terminated = (cs.get("state") or {}).get("terminated")
        if terminated and terminated.get("reason"):
            return str(terminated["reason"])
    return str(_st(pod, "phase", "Pending"))


def _ports(svc: Obj, now: float) -> str:
    ports = (svc.get("spec") or {}).get("ports") or []
    return ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in ports) or "<none>"


NAME: Column = ("Name", "string", 0, lambda o, n: o["metadata"]["name"])
AGE: Column = ("Age", "string", 0, _age)
COLUMNS: dict[str, list[Column]] = {
    "Deployment": [
        NAME,
        ("Ready", "string", 0, lambda o, n: f"{_st(o, 'readyReplicas')}/{o['spec'].get('replicas', 1)}"),
        ("Up-to-date", "integer", 0, lambda o, n: _st(o, "updatedReplicas")),
        ("Available", "integer", 0, lambda o, n: _st(o, "availableReplicas")),
        AGE,
        (
            "Images",
            "string",
            1,
            lambda o, n: ",".join(c["image"] for c in o["spec"]["template"]["spec"].get("containers", [])),
        ),
    ],
    "ReplicaSet": [
        NAME,
        ("Desired", "integer", 0, lambda o, n: o["spec"].get("replicas", 1)),
        ("Current", "integer", 0, lambda o, n: _st(o, "replicas")),
        ("Ready", "integer", 0, lambda o, n: _st(o, "readyReplicas")),
        AGE,
    ],
    "Pod": [
        NAME,
        (
            "Ready",
            "string",
            0,
            lambda o, n: "{}/{}".format(
                sum(1 for c in _st(o, "containerStatuses", []) or [] if c.get("ready")),
                len(o["spec"].get("containers", [])),
            ),
        ),
        ("Status", "string", 0, _pod_status),
        (
            "Restarts",
            "integer",
            0,
            lambda o, n: sum(c.get("restartCount", 0) for c in _st(o, "containerStatuses", []) or []),
        ),
        AGE,
        ("IP", "string", 1, lambda o, n: _st(o, "podIP", "<none>")),
        ("Node", "string", 1, lambda o, n: o["spec"].get("nodeName", "<none>")),
    ],
    "Service": [
        NAME,
        ("Type", "string", 0, lambda o, n: o["spec"].get("type", "ClusterIP")),
        ("Cluster-IP", "string", 0, lambda o, n: o["spec"].get("clusterIP", "<none>")),
        ("External-IP", "string", 0, lambda o, n: "<none>"),
        ("Port(s)", "string", 0, _ports),
        AGE,
    ],
    "Node": [
        NAME,
        ("Status", "string", 0, lambda o, n: "Ready"),
        ("Roles", "string", 0, lambda o, n: "<none>"),
        AGE,
        ("Version", "string", 0, lambda o, n: _st(o, "nodeInfo", {}).get("kubeletVersion", "")),
    ],
    "Namespace": [NAME, ("Status", "string", 0, lambda o, n: _st(o, "phase", "Active")), AGE],
    "Job": [
        NAME,
        ("Completions", "string", 0, lambda o, n: f"{_st(o, 'succeeded')}/{o['spec'].get('completions', 1)}"),
        AGE,
    ],
}


def _endpoints(ep: Obj, now: float) -> str:
    pairs = [
        f"{a['ip']}:{p['port']}"
        for s in ep.get("subsets") or []
        for a in s.get("addresses") or []
        for p in s.get("ports") or []
    ]
    return ",".join(pairs[:3]) + (f" + {len(pairs) - 3} more..." if len(pairs) > 3 else "") or "<none>"


def _last_seen(ev: Obj, now: float) -> str:
    seen = parse_time(
        ev.get("lastTimestamp") or ev.get("eventTime") or ev["metadata"].get("creationTimestamp")
    )
    return "<unknown>" if seen is None else age(now - seen)


COLUMNS["Endpoints"] = [NAME, ("Endpoints", "string", 0, _endpoints), AGE]
COLUMNS["Event"] = [
    ("Last Seen", "string", 0, _last_seen),
    ("Type", "string", 0, lambda o, n: o.get("type", "")),
    ("Reason", "string", 0, lambda o, n: o.get("reason", "")),
    (
        "Object",
        "string",
        0,
        lambda o, n: "{}/{}".format(
            str((o.get("involvedObject") or {}).get("kind", "")).lower(),
            (o.get("involvedObject") or {}).get("name", ""),
        ),
    ),
    ("Message", "string", 0, lambda o, n: o.get("message", "")),
]


def table(items: list[Obj], resource_version: str, now: float) -> Obj:
    kind = items[0].get("kind", "") if items else ""
    columns = COLUMNS.get(kind, [NAME, AGE])
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": resource_version},
        "columnDefinitions": [
            {"name": n, "type": t, "format": "name" if n == "Name" else "", "description": "", "priority": p}
            for n, t, p, _ in columns
        ],
        "rows": [
            {
                "cells": [fn(o, now) for *_, fn in columns],
                "object": {
                    "kind": "PartialObjectMetadata",
                    "apiVersion": "meta.k8s.io/v1",
                    "metadata": o.get("metadata", {}),
                },
            }
            for o in items
        ],
    }


def wants_table(accept: str | None) -> bool:
    return bool(accept) and "as=Table" in str(accept)
