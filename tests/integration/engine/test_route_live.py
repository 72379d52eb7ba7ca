"""Preflight refuses a run whose route cannot be live (issue #12): a parent Gateway that does not
exist, or a live HTTPRoute its controller refused (`status.parents` Accepted/ResolvedRefs False).
This module installs the Gateway kind in its own local cluster (module-scoped `engine_cluster`)."""

# ruff: noqa: E501  (the objects below read best as they would be written in YAML, one per line)
from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.errors import ClusterError
from ai_deploy_ci.local.apiserver import ApiServerHandle
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from tests.integration.engine.conftest import create_namespace
from tests.integration.engine.scenarios import IMAGE
from tests.unit.engine.specs import make_spec

GATEWAY_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "gateways.gateway.networking.k8s.io"},
    "spec": {"group": "gateway.networking.k8s.io", "scope": "Namespaced",
             "names": {"plural": "gateways", "singular": "gateway", "kind": "Gateway", "listKind": "GatewayList"},
             "versions": [{"name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                           "schema": {"openAPIV3Schema": {"type": "object",
                                                          "x-kubernetes-preserve-unknown-fields": True}}}]},
}


def _spec(namespace: str) -> Any:
    return make_spec("canary", "gatewayAPI", namespace=namespace, replicas=1, image=IMAGE)


def test_a_missing_parent_gateway_is_refused_before_any_write(
    engine_cluster: ApiServerHandle, kube: Kube, namespace: str, options: Options
) -> None:
    engine_cluster.install_crds(GATEWAY_CRD)
    with pytest.raises(ClusterError, match="inference-gw, which does not exist"):
        deploy(_spec(namespace), kube, RunInfo("base"), opts=options)
    from ai_deploy_ci.plan.model import ObjectRef

    assert kube.get(ObjectRef("apps/v1", "Deployment", namespace, "sentiment")) is None, "nothing written"


def test_a_refused_live_route_is_refused(engine_cluster: ApiServerHandle, kube: Kube, namespace: str,
                                         options: Options) -> None:
    engine_cluster.install_crds(GATEWAY_CRD)
    custom = client.CustomObjectsApi(kube.api_client)
    if not _exists(kube):
        create_namespace(kube, "gateway-system")
    gw = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
          "metadata": {"name": "inference-gw", "namespace": "gateway-system"},
          "spec": {"gatewayClassName": "x", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]}}
    if not _gateway(kube):
        custom.create_namespaced_custom_object("gateway.networking.k8s.io", "v1", "gateway-system", "gateways", gw)
    spec = _spec(namespace)
    assert deploy(spec, kube, RunInfo("base"), opts=options).record["outcome"] == "promoted"
    live: Any = custom.get_namespaced_custom_object("gateway.networking.k8s.io", "v1", namespace, "httproutes",
                                               "sentiment")
    live["status"] = {"parents": [{"parentRef": {"name": "inference-gw", "namespace": "gateway-system"},
                                   "controllerName": "example.com/gw",
                                   "conditions": [{"type": "Accepted", "status": "False", "reason": "NotAllowedByListeners",
                                                   "message": "hostname not allowed", "lastTransitionTime":
                                                   "2026-01-01T00:00:00Z", "observedGeneration": 1}]}]}
    custom.replace_namespaced_custom_object_status("gateway.networking.k8s.io", "v1", namespace, "httproutes",
                                                   "sentiment", live)
    with pytest.raises(ClusterError, match="Accepted=False"):
        deploy(make_spec("canary", "gatewayAPI", namespace=namespace, replicas=1, image=IMAGE, version="3.0.0"),
               kube, RunInfo("v3"), opts=options)


def _exists(kube: Kube) -> bool:
    names = [n["metadata"]["name"] for n in kube.raw("ns", kube.core().list_namespace)["items"]]
    return "gateway-system" in names


def _gateway(kube: Kube) -> bool:
    custom = client.CustomObjectsApi(kube.api_client)
    items: Any = custom.list_namespaced_custom_object("gateway.networking.k8s.io", "v1", "gateway-system", "gateways")
    return bool(items.get("items"))
