"""Deployment rollouts: status progression, revisions and rollback, Recreate, progress deadline."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from .helpers import deployment, typed, wait_for

pytestmark = pytest.mark.conformance


def _complete(apps: Any, name: str, ns: str) -> Any:
    def check() -> Any:
        d = apps.read_namespaced_deployment(name, ns)
        s = d.status
        cond = {c.type: c for c in s.conditions or []}
        done = (
            s.observed_generation == d.metadata.generation
            and s.updated_replicas == d.spec.replicas
            and (s.replicas or 0) == d.spec.replicas
            and (s.available_replicas or 0) == d.spec.replicas
            and "Progressing" in cond
            and cond["Progressing"].reason == "NewReplicaSetAvailable"
        )
        return d if done else None

    return wait_for(check, timeout=90, what=f"deployment {name} rolled out")


def test_rollout_progresses_to_complete(k8s_api_client: Any, k8s_namespace: str) -> None:
    apps = typed(client.AppsV1Api, k8s_api_client)
    apps.create_namespaced_deployment(k8s_namespace, deployment("roll", replicas=3))
    d = _complete(apps, "roll", k8s_namespace)
    cond = {c.type: c for c in d.status.conditions}
    assert cond["Available"].status == "True" and cond["Available"].reason == "MinimumReplicasAvailable"
    assert d.status.ready_replicas == 3 and not d.status.unavailable_replicas
    apps.patch_namespaced_deployment(
        "roll", k8s_namespace, {"spec": {"template": {"metadata": {"annotations": {"rev": "2"}}}}}
    )
    d = _complete(apps, "roll", k8s_namespace)
    assert d.metadata.generation == 2
    rs = apps.list_namespaced_replica_set(k8s_namespace, label_selector="app=roll").items
    revisions = sorted(r.metadata.annotations["deployment.kubernetes.io/revision"] for r in rs)
    assert revisions == ["1", "2"]
    newest = next(r for r in rs if r.metadata.annotations["deployment.kubernetes.io/revision"] == "2")
    assert newest.spec.replicas == 3 and "pod-template-hash" in newest.metadata.labels
    assert all(r.spec.replicas == 0 for r in rs if r is not newest)


def test_rollback_reuses_old_replicaset(k8s_api_client: Any, k8s_namespace: str) -> None:
    apps = typed(client.AppsV1Api, k8s_api_client)
    apps.create_namespaced_deployment(k8s_namespace, deployment("back", replicas=1))
    _complete(apps, "back", k8s_namespace)
    first = apps.list_namespaced_replica_set(k8s_namespace, label_selector="app=back").items[0]
    apps.patch_namespaced_deployment(
        "back", k8s_namespace, {"spec": {"template": {"metadata": {"annotations": {"v": "2"}}}}}
    )
    _complete(apps, "back", k8s_namespace)
    apps.patch_namespaced_deployment(
        "back", k8s_namespace, [{"op": "remove", "path": "/spec/template/metadata/annotations"}]
    )
    _complete(apps, "back", k8s_namespace)
    rs = apps.list_namespaced_replica_set(k8s_namespace, label_selector="app=back").items
    assert len(rs) == 2
    again = next(r for r in rs if r.metadata.uid == first.metadata.uid)
    assert again.metadata.annotations["deployment.kubernetes.io/revision"] == "3"
    assert again.spec.replicas == 1


def test_recreate_strategy(k8s_api_client: Any, k8s_namespace: str) -> None:
    apps = typed(client.AppsV1Api, k8s_api_client)
    apps.create_namespaced_deployment(
        k8s_namespace, deployment("rec", replicas=2, strategy={"type": "Recreate"})
    )
    _complete(apps, "rec", k8s_namespace)
    apps.patch_namespaced_deployment(
        "rec", k8s_namespace, {"spec": {"template": {"metadata": {"annotations": {"v": "2"}}}}}
    )
    d = _complete(apps, "rec", k8s_namespace)
    assert d.spec.strategy.type == "Recreate" and d.status.updated_replicas == 2


def test_progress_deadline_exceeded(k8s_api_client: Any, k8s_namespace: str, on_real_cluster: bool) -> None:
    apps = typed(client.AppsV1Api, k8s_api_client)
    body = deployment("stuck", replicas=1, progressDeadlineSeconds=1 if on_real_cluster else 10)
    body["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = {
        "exec": {"command": ["false"]},
        "periodSeconds": 1,
    }
    apps.create_namespaced_deployment(k8s_namespace, body)

    def exceeded() -> Any:
        conds = {
            c.type: c for c in apps.read_namespaced_deployment("stuck", k8s_namespace).status.conditions or []
        }
        p = conds.get("Progressing")
        return p if p is not None and p.reason == "ProgressDeadlineExceeded" else None

    cond = wait_for(exceeded, timeout=120, what="ProgressDeadlineExceeded")
    assert cond.status == "False"
    d = apps.read_namespaced_deployment("stuck", k8s_namespace)
    assert d.status.unavailable_replicas == 1 and not d.status.available_replicas


def test_paused_deployment_does_not_roll(k8s_api_client: Any, k8s_namespace: str) -> None:
    apps = typed(client.AppsV1Api, k8s_api_client)
    apps.create_namespaced_deployment(k8s_namespace, deployment("pause", replicas=1))
    _complete(apps, "pause", k8s_namespace)
    apps.patch_namespaced_deployment(
        "pause",
        k8s_namespace,
        {"spec": {"paused": True, "template": {"metadata": {"annotations": {"v": "2"}}}}},
    )

    def paused() -> Any:
        d = apps.read_namespaced_deployment("pause", k8s_namespace)
        conds = {c.type: c for c in d.status.conditions or []}
        return d if conds.get("Progressing") and conds["Progressing"].reason == "DeploymentPaused" else None

    wait_for(paused, what="DeploymentPaused")
    assert len(apps.list_namespaced_replica_set(k8s_namespace, label_selector="app=pause").items) == 1
