"""JSON merge patch, JSON patch and strategic merge patch semantics."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import deployment, raw

pytestmark = pytest.mark.conformance
SMP = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSONP = "application/json-patch+json"


@pytest.fixture
def dep_path(k8s_api_client: Any, k8s_namespace: str) -> str:
    body = deployment("p", replicas=0)
    c = body["spec"]["template"]["spec"]["containers"][0]
    c["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    c["ports"] = [{"containerPort": 8080, "name": "http"}]
    body["spec"]["template"]["spec"]["containers"].append(
        {"name": "side", "image": "registry.k8s.io/pause:3.10"}
    )
    body["spec"]["template"]["spec"]["tolerations"] = [{"key": "a", "operator": "Exists"}]
    assert (
        raw(k8s_api_client, "POST", f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments", body)[0] == 201
    )
    return f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments/p"


def _containers(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in obj["spec"]["template"]["spec"]["containers"]}


def test_strategic_merge_merges_containers_and_env_by_name(k8s_api_client: Any, dep_path: str) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": "registry.k8s.io/pause:3.9",
                            "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                        }
                    ]
                }
            }
        }
    }
    code, out, _ = raw(k8s_api_client, "PATCH", dep_path, patch, content_type=SMP)
    assert code == 200
    containers = _containers(out)
    assert set(containers) == {"main", "side"}
    assert containers["main"]["image"] == "registry.k8s.io/pause:3.9"
    assert containers["main"]["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "3"},
        {"name": "C", "value": "4"},
    ]
    assert containers["main"]["ports"][0]["containerPort"] == 8080


def test_strategic_merge_delete_directive(k8s_api_client: Any, dep_path: str) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "side", "$patch": "delete"},
                        {"name": "main", "env": [{"name": "A", "$patch": "delete"}]},
                    ]
                }
            }
        }
    }
    code, out, _ = raw(k8s_api_client, "PATCH", dep_path, patch, content_type=SMP)
    assert code == 200
    containers = _containers(out)
    assert list(containers) == ["main"]
    assert containers["main"]["env"] == [{"name": "B", "value": "2"}]


def test_strategic_merge_replace_directive(k8s_api_client: Any, dep_path: str) -> None:
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"$patch": "replace"},
                        {"name": "only", "image": "registry.k8s.io/pause:3.10"},
                    ]
                }
            }
        }
    }
    code, out, _ = raw(k8s_api_client, "PATCH", dep_path, patch, content_type=SMP)
    assert code == 200
    assert list(_containers(out)) == ["only"]


def test_strategic_merge_replaces_atomic_lists(k8s_api_client: Any, dep_path: str) -> None:
    patch = {"spec": {"template": {"spec": {"tolerations": [{"key": "b", "operator": "Exists"}]}}}}
    code, out, _ = raw(k8s_api_client, "PATCH", dep_path, patch, content_type=SMP)
    assert code == 200
    assert [t["key"] for t in out["spec"]["template"]["spec"]["tolerations"]] == ["b"]


def test_merge_patch_replaces_lists_and_null_deletes(k8s_api_client: Any, dep_path: str) -> None:
    code, out, _ = raw(
        k8s_api_client,
        "PATCH",
        dep_path,
        {"metadata": {"labels": {"app": None, "n": "1"}}},
        content_type=MERGE,
    )
    assert code == 200 and out["metadata"]["labels"] == {"n": "1"}
    patch = {
        "spec": {
            "template": {"spec": {"containers": [{"name": "solo", "image": "registry.k8s.io/pause:3.10"}]}}
        }
    }
    code, out, _ = raw(k8s_api_client, "PATCH", dep_path, patch, content_type=MERGE)
    assert code == 200 and list(_containers(out)) == ["solo"]


def test_json_patch_and_failed_test_op(k8s_api_client: Any, dep_path: str) -> None:
    ops = [
        {"op": "replace", "path": "/spec/replicas", "value": 2},
        {"op": "add", "path": "/metadata/annotations", "value": {"a": "b"}},
    ]
    code, out, _ = raw(k8s_api_client, "PATCH", dep_path, ops, content_type=JSONP)
    assert code == 200 and out["spec"]["replicas"] == 2 and out["metadata"]["annotations"]["a"] == "b"
    code, status, _ = raw(
        k8s_api_client,
        "PATCH",
        dep_path,
        [{"op": "test", "path": "/spec/replicas", "value": 9}],
        content_type=JSONP,
    )
    assert code == 422 and status["kind"] == "Status"


def test_patch_with_stale_resource_version_conflicts(k8s_api_client: Any, dep_path: str) -> None:
    code, out, _ = raw(k8s_api_client, "GET", dep_path)
    stale = out["metadata"]["resourceVersion"]
    raw(k8s_api_client, "PATCH", dep_path, {"metadata": {"labels": {"x": "1"}}}, content_type=MERGE)
    code, status, _ = raw(
        k8s_api_client,
        "PATCH",
        dep_path,
        {"metadata": {"resourceVersion": stale, "labels": {"x": "2"}}},
        content_type=MERGE,
    )
    assert (code, status["reason"]) == (409, "Conflict")


def test_strategic_merge_on_custom_resource_is_unsupported(k8s_api_client: Any, k8s_namespace: str) -> None:
    path = f"/apis/gateway.networking.k8s.io/v1/namespaces/{k8s_namespace}/httproutes"
    if raw(k8s_api_client, "GET", path)[0] == 404:
        pytest.skip("Gateway API CRDs are not installed")
    body = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "r"},
        "spec": {"rules": [{"backendRefs": [{"name": "a", "port": 80}]}]},
    }
    assert raw(k8s_api_client, "POST", path, body)[0] == 201
    code, status, _ = raw(k8s_api_client, "PATCH", f"{path}/r", {"spec": {}}, content_type=SMP)
    assert (code, status["reason"]) == (415, "UnsupportedMediaType")
    code, out, _ = raw(
        k8s_api_client,
        "PATCH",
        f"{path}/r",
        {"spec": {"rules": [{"backendRefs": [{"name": "b", "port": 80, "weight": 5}]}]}},
        content_type=MERGE,
    )
    assert code == 200 and out["spec"]["rules"][0]["backendRefs"][0]["name"] == "b"
