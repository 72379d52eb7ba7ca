"""create/get/list/replace/delete and Status bodies, through the typed client and raw HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from .helpers import deployment, raw, typed, wait_for

pytestmark = pytest.mark.conformance


def test_create_returns_201_with_server_fields(k8s_api_client: Any, k8s_namespace: str) -> None:
    code, body, _ = raw(
        k8s_api_client,
        "POST",
        f"/api/v1/namespaces/{k8s_namespace}/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "one"}, "data": {"a": "1"}},
    )
    assert code == 201
    meta = body["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and int(meta["resourceVersion"]) > 0
    assert meta["namespace"] == k8s_namespace


def test_already_exists_and_not_found_status_bodies(k8s_api_client: Any, k8s_namespace: str) -> None:
    path = f"/api/v1/namespaces/{k8s_namespace}/configmaps"
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dup"}}
    assert raw(k8s_api_client, "POST", path, body)[0] == 201
    code, status, _ = raw(k8s_api_client, "POST", path, body)
    assert code == 409
    assert (
        status["kind"] == "Status" and status["status"] == "Failure" and status["reason"] == "AlreadyExists"
    )
    assert status["details"]["name"] == "dup" and status["details"]["kind"] == "configmaps"
    code, status, _ = raw(k8s_api_client, "GET", f"{path}/missing")
    assert (code, status["reason"], status["code"]) == (404, "NotFound", 404)
    assert status["message"] == 'configmaps "missing" not found'


def test_replace_with_stale_resource_version_is_conflict(k8s_api_client: Any, k8s_namespace: str) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    cm = core.create_namespaced_config_map(k8s_namespace, {"metadata": {"name": "cm"}, "data": {"v": "1"}})
    stale = cm.metadata.resource_version
    cm.data = {"v": "2"}
    updated = core.replace_namespaced_config_map("cm", k8s_namespace, cm)
    assert int(updated.metadata.resource_version) > int(stale)
    cm.data = {"v": "3"}
    cm.metadata.resource_version = stale
    with pytest.raises(ApiException) as err:
        core.replace_namespaced_config_map("cm", k8s_namespace, cm)
    assert err.value.status == 409
    assert json.loads(err.value.body or "{}")["reason"] == "Conflict"
    assert core.read_namespaced_config_map("cm", k8s_namespace).data == {"v": "2"}


def test_resource_versions_increase_across_kinds(k8s_api_client: Any, k8s_namespace: str) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    a = core.create_namespaced_config_map(k8s_namespace, {"metadata": {"name": "a"}})
    b = core.create_namespaced_secret(k8s_namespace, {"metadata": {"name": "b"}, "stringData": {"k": "v"}})
    assert int(b.metadata.resource_version) > int(a.metadata.resource_version)


def test_generate_name(k8s_api_client: Any, k8s_namespace: str) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    cm = core.create_namespaced_config_map(k8s_namespace, {"metadata": {"generateName": "gen-"}})
    assert cm.metadata.name.startswith("gen-") and len(cm.metadata.name) == len("gen-") + 5


def test_list_has_kind_api_version_and_resource_version(k8s_api_client: Any, k8s_namespace: str) -> None:
    apps = typed(client.AppsV1Api, k8s_api_client)
    apps.create_namespaced_deployment(k8s_namespace, deployment("web", replicas=0))
    code, body, _ = raw(k8s_api_client, "GET", f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments")
    assert code == 200
    assert (body["kind"], body["apiVersion"]) == ("DeploymentList", "apps/v1")
    assert int(body["metadata"]["resourceVersion"]) > 0
    assert [i["metadata"]["name"] for i in body["items"]] == ["web"]


def test_list_limit_and_continue(k8s_api_client: Any, k8s_namespace: str) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    for i in range(5):
        core.create_namespaced_config_map(k8s_namespace, {"metadata": {"name": f"page-{i}"}})
    seen: list[str] = []
    token = None
    for _ in range(10):
        page = core.list_namespaced_config_map(k8s_namespace, limit=2, _continue=token, label_selector="")
        seen += [c.metadata.name for c in page.items if c.metadata.name.startswith("page-")]
        token = page.metadata._continue
        if not token:
            break
    assert seen == [f"page-{i}" for i in range(5)]


def test_delete_returns_and_object_disappears(k8s_api_client: Any, k8s_namespace: str) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    core.create_namespaced_config_map(k8s_namespace, {"metadata": {"name": "gone"}})
    code, _, _ = raw(k8s_api_client, "DELETE", f"/api/v1/namespaces/{k8s_namespace}/configmaps/gone")
    assert code == 200
    code, status, _ = raw(k8s_api_client, "DELETE", f"/api/v1/namespaces/{k8s_namespace}/configmaps/gone")
    assert (code, status["reason"]) == (404, "NotFound")


def test_create_in_missing_namespace_is_not_found(k8s_api_client: Any) -> None:
    code, status, _ = raw(
        k8s_api_client,
        "POST",
        "/api/v1/namespaces/no-such-ns-xyz/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}},
    )
    assert (code, status["reason"]) == (404, "NotFound")


def test_deleting_a_deployment_removes_replicasets_and_pods(k8s_api_client: Any, k8s_namespace: str) -> None:
    apps, core = typed(client.AppsV1Api, k8s_api_client), typed(client.CoreV1Api, k8s_api_client)
    apps.create_namespaced_deployment(k8s_namespace, deployment("gc", replicas=2))
    wait_for(
        lambda: len(core.list_namespaced_pod(k8s_namespace, label_selector="app=gc").items) == 2,
        what="2 pods",
    )
    apps.delete_namespaced_deployment("gc", k8s_namespace)
    wait_for(
        lambda: (
            not apps.list_namespaced_replica_set(k8s_namespace).items
            and not core.list_namespaced_pod(k8s_namespace, label_selector="app=gc").items
        ),
        what="replicasets and pods garbage-collected",
    )


def test_orphan_propagation_keeps_replicasets(k8s_api_client: Any, k8s_namespace: str) -> None:
    apps = typed(client.AppsV1Api, k8s_api_client)
    apps.create_namespaced_deployment(k8s_namespace, deployment("orphan", replicas=1))
    wait_for(lambda: apps.list_namespaced_replica_set(k8s_namespace).items, what="a replicaset")
    apps.delete_namespaced_deployment("orphan", k8s_namespace, propagation_policy="Orphan")
    wait_for(lambda: not apps.list_namespaced_deployment(k8s_namespace).items, what="deployment gone")
    rs = apps.list_namespaced_replica_set(k8s_namespace).items
    assert len(rs) == 1 and not rs[0].metadata.owner_references
