"""metadata.generation and the status subresource, as kube-apiserver keeps them."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from .helpers import deployment, raw, typed, wait_for

pytestmark = pytest.mark.conformance


def test_generation_bumps_on_spec_changes_only(k8s_api_client: Any, k8s_namespace: str) -> None:
    apps = typed(client.AppsV1Api, k8s_api_client)
    d = apps.create_namespaced_deployment(k8s_namespace, deployment("gen", replicas=0))
    assert d.metadata.generation == 1
    d = apps.patch_namespaced_deployment("gen", k8s_namespace, {"metadata": {"labels": {"extra": "yes"}}})
    assert d.metadata.generation == 1
    d = apps.patch_namespaced_deployment("gen", k8s_namespace, {"spec": {"replicas": 1}})
    assert d.metadata.generation == 2
    d = apps.patch_namespaced_deployment("gen", k8s_namespace, {"spec": {"replicas": 1}})
    assert d.metadata.generation == 2


def test_status_written_through_main_resource_is_ignored(k8s_api_client: Any, k8s_namespace: str) -> None:
    path = f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments/st"
    body = deployment("st", replicas=0)
    body["status"] = {"replicas": 42}
    code, created, _ = raw(
        k8s_api_client, "POST", f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments", body
    )
    assert code == 201
    assert created.get("status", {}).get("replicas") != 42
    code, patched, _ = raw(
        k8s_api_client,
        "PATCH",
        path,
        {"status": {"replicas": 42}},
        content_type="application/merge-patch+json",
    )
    assert code == 200 and patched.get("status", {}).get("replicas") != 42


def test_status_subresource_ignores_spec(k8s_api_client: Any, k8s_namespace: str) -> None:
    apps = typed(client.AppsV1Api, k8s_api_client)
    apps.create_namespaced_deployment(k8s_namespace, deployment("sub", replicas=0))
    path = f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments/sub/status"
    code, out, _ = raw(
        k8s_api_client,
        "PATCH",
        path,
        {"spec": {"replicas": 7}, "status": {"observedGeneration": 1}},
        content_type="application/merge-patch+json",
    )
    assert code == 200
    assert out["spec"]["replicas"] == 0
    assert apps.read_namespaced_deployment("sub", k8s_namespace).metadata.generation == 1


def test_scale_subresource(k8s_api_client: Any, k8s_namespace: str) -> None:
    apps = typed(client.AppsV1Api, k8s_api_client)
    apps.create_namespaced_deployment(k8s_namespace, deployment("scaled", replicas=1))
    scale = apps.read_namespaced_deployment_scale("scaled", k8s_namespace)
    assert scale.spec.replicas == 1 and scale.status.selector == "app=scaled"
    apps.patch_namespaced_deployment_scale("scaled", k8s_namespace, {"spec": {"replicas": 3}})
    d = apps.read_namespaced_deployment("scaled", k8s_namespace)
    assert d.spec.replicas == 3 and d.metadata.generation == 2
    wait_for(
        lambda: apps.read_namespaced_deployment_scale("scaled", k8s_namespace).status.replicas == 3,
        what="scale status replicas 3",
    )


def test_create_answers_with_a_status_zero_value(k8s_api_client: Any, k8s_namespace: str) -> None:
    """A new object already has a status, before any controller wrote one (clients read it at once)."""
    apps = typed(client.AppsV1Api, k8s_api_client)
    d = apps.create_namespaced_deployment(k8s_namespace, deployment("fresh", replicas=0))
    assert d.status is not None
    code, got, _ = raw(k8s_api_client, "GET", f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments/fresh")
    assert code == 200 and isinstance(got.get("status"), dict)
