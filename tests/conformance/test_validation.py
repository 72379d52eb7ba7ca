"""Schema validation: strict unknown fields, dropped fields with warnings, wrong types, invalid values."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import deployment, raw, warnings

pytestmark = pytest.mark.conformance


def _path(ns: str) -> str:
    return f"/apis/apps/v1/namespaces/{ns}/deployments"


def test_strict_unknown_field_is_rejected(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = deployment("strict")
    body["spec"]["replicaz"] = 3
    code, status, _ = raw(k8s_api_client, "POST", _path(k8s_namespace), body, [("fieldValidation", "Strict")])
    assert (code, status["reason"]) == (400, "BadRequest")
    assert 'strict decoding error: unknown field "spec.replicaz"' in status["message"]


def test_nested_unknown_field_is_named_by_path(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = deployment("nested")
    body["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    code, status, _ = raw(k8s_api_client, "POST", _path(k8s_namespace), body, [("fieldValidation", "Strict")])
    assert code == 400
    assert 'unknown field "spec.template.spec.containers[0].imagee"' in status["message"]


def test_unknown_field_without_strict_is_dropped_with_warning(
    k8s_api_client: Any, k8s_namespace: str
) -> None:
    body = deployment("warn")
    body["spec"]["replicaz"] = 3
    code, created, headers = raw(
        k8s_api_client, "POST", _path(k8s_namespace), body, [("fieldValidation", "Warn")]
    )
    assert code == 201
    assert "replicaz" not in created["spec"]
    assert any(
        'unknown field \\"spec.replicaz\\"' in w or 'unknown field "spec.replicaz"' in w
        for w in warnings(headers)
    )


def test_wrong_type_is_rejected_even_without_strict(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = deployment("typed")
    body["spec"]["replicas"] = "three"
    code, status, _ = raw(k8s_api_client, "POST", _path(k8s_namespace), body)
    assert code == 400 and status["reason"] == "BadRequest"
    assert "cannot be handled as a Deployment" in status["message"]


def test_selector_not_matching_template_is_invalid(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = deployment("mismatch")
    body["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    code, status, _ = raw(k8s_api_client, "POST", _path(k8s_namespace), body, [("fieldValidation", "Strict")])
    assert (code, status["reason"]) == (422, "Invalid")
    assert "spec.template.metadata.labels" in [c["field"] for c in status["details"]["causes"]]


def test_missing_required_field_is_invalid(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = deployment("noimage")
    del body["spec"]["template"]["spec"]["containers"][0]["image"]
    code, status, _ = raw(k8s_api_client, "POST", _path(k8s_namespace), body, [("fieldValidation", "Strict")])
    assert (code, status["reason"]) == (422, "Invalid")
    assert "spec.template.spec.containers[0].image" in [c["field"] for c in status["details"]["causes"]]


def test_invalid_name_is_invalid(k8s_api_client: Any, k8s_namespace: str) -> None:
    code, status, _ = raw(
        k8s_api_client,
        "POST",
        f"/api/v1/namespaces/{k8s_namespace}/configmaps",
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}},
    )
    assert (code, status["reason"]) == (422, "Invalid")
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_selector_is_immutable(k8s_api_client: Any, k8s_namespace: str) -> None:
    raw(k8s_api_client, "POST", _path(k8s_namespace), deployment("immut", replicas=0))
    patch = {
        "spec": {
            "selector": {"matchLabels": {"app": "immut", "x": "y"}},
            "template": {"metadata": {"labels": {"app": "immut", "x": "y"}}},
        }
    }
    code, status, _ = raw(
        k8s_api_client,
        "PATCH",
        f"{_path(k8s_namespace)}/immut",
        patch,
        content_type="application/merge-patch+json",
    )
    assert (code, status["reason"]) == (422, "Invalid")
    assert "spec.selector" in [c["field"] for c in status["details"]["causes"]]


def _httproute(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name},
        "spec": {
            "parentRefs": [{"name": "gw"}],
            "rules": [{"backendRefs": [{"name": "svc", "port": 80}]}],
            **spec,
        },
    }


def test_custom_resource_schema(k8s_api_client: Any, k8s_namespace: str) -> None:
    path = f"/apis/gateway.networking.k8s.io/v1/namespaces/{k8s_namespace}/httproutes"
    if raw(k8s_api_client, "GET", path)[0] == 404:
        pytest.skip("Gateway API CRDs are not installed")
    code, created, _ = raw(k8s_api_client, "POST", path, _httproute("ok"), [("fieldValidation", "Strict")])
    assert code == 201
    assert created["spec"]["parentRefs"][0]["kind"] == "Gateway"  # CRD defaults applied
    meta = created["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and meta["generation"] == 1
    code, patched, _ = raw(
        k8s_api_client,
        "PATCH",
        f"{path}/ok",
        {"spec": {"hostnames": ["a.example"]}},
        content_type="application/merge-patch+json",
    )
    assert code == 200 and patched["metadata"]["generation"] == 2
    code, patched, _ = raw(
        k8s_api_client,
        "PATCH",
        f"{path}/ok",
        {"metadata": {"labels": {"a": "b"}}},
        content_type="application/merge-patch+json",
    )
    assert code == 200 and patched["metadata"]["generation"] == 2
    code, status, _ = raw(
        k8s_api_client, "POST", path, _httproute("unknown", bogus=1), [("fieldValidation", "Strict")]
    )
    assert code == 400 and 'unknown field "spec.bogus"' in status["message"]
    bad = _httproute("badtype")
    bad["spec"]["rules"][0]["backendRefs"][0]["port"] = "eighty"
    code, status, _ = raw(k8s_api_client, "POST", path, bad)
    assert (code, status["reason"]) == (422, "Invalid")
    assert any("port" in c["field"] for c in status["details"]["causes"])
