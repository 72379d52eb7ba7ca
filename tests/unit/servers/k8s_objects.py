"""Literal Kubernetes objects (API JSON dicts) for the gateway's routing tests."""

from __future__ import annotations

from typing import Any


def service(
    name: str,
    selector: dict[str, str],
    ip: str = "127.20.0.1",
    port: int = 80,
    target_port: int | str = 8080,
    ns: str = "default",
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": selector,
            "clusterIP": ip,
            "ports": [{"name": "http", "port": port, "targetPort": target_port, "protocol": "TCP"}],
        },
    }


def pod(
    name: str,
    labels: dict[str, str],
    ip: str,
    ready: bool = True,
    ns: str = "default",
    port: int = 8080,
    deleting: bool = False,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": ns, "labels": labels}
    if deleting:
        metadata["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {"containers": [{"name": "model", "ports": [{"name": "http", "containerPort": port}]}]},
        "status": {
            "phase": "Running",
            "podIP": ip,
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


def httproute(
    name: str,
    rules: list[dict[str, Any]],
    hostnames: list[str] | None = None,
    parent: dict[str, Any] | None = None,
    created: str = "2026-01-01T00:00:00Z",
) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": "default", "creationTimestamp": created},
        "spec": {
            "parentRefs": [parent or {"name": "gw"}],
            "hostnames": hostnames or ["model.example.com"],
            "rules": rules,
        },
    }


def backend(name: str, weight: int | None = None, port: int = 80) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": name, "port": port}
    if weight is not None:
        ref["weight"] = weight
    return ref


def virtualservice(
    name: str, http: list[dict[str, Any]], hosts: list[str] | None = None, gateways: list[str] | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {"hosts": hosts or ["model.example.com"], "http": http}
    if gateways is not None:
        spec["gateways"] = gateways
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def destinationrule(host: str, subsets: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": host, "namespace": "default"},
        "spec": {"host": host, "subsets": [{"name": k, "labels": v} for k, v in subsets.items()]},
    }


def ingress(
    name: str,
    svc: str,
    annotations: dict[str, str] | None = None,
    host: str = "model.example.com",
    path: str = "/",
    path_type: str = "Prefix",
    port: int = 80,
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "default", "annotations": annotations or {}},
        "spec": {
            "ingressClassName": "nginx",
            "rules": [
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {
                                "path": path,
                                "pathType": path_type,
                                "backend": {"service": {"name": svc, "port": {"number": port}}},
                            }
                        ]
                    },
                }
            ],
        },
    }
