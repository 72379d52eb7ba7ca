"""Container resources, quantities, names and rolling-update bounds, as kube-apiserver checks them.

Every case here was accepted (201) by the local server before issue #18 and is refused by a real
one; the expected codes, reasons and `details.causes[].field` follow pkg/apis/core/validation
`ValidateResourceRequirements`, apimachinery `resource.Quantity`, `ValidateServiceName` and
apps/validation `ValidateRollingUpdateDeployment`.
"""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import deployment, pod, raw

pytestmark = pytest.mark.conformance
GPU = "nvidia.com/gpu"


def _pods(ns: str) -> str:
    return f"/api/v1/namespaces/{ns}/pods"


def _with_resources(name: str, resources: dict[str, Any]) -> dict[str, Any]:
    body = pod(name)
    body["spec"]["containers"][0]["resources"] = resources
    return body


def _causes(status: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c.get("field", ""), c.get("reason", "")) for c in status["details"]["causes"]]


INVALID_RESOURCES = [
    (
        "cpu-request-above-limit",
        {"requests": {"cpu": "4"}, "limits": {"cpu": "2"}},
        ("spec.containers[0].resources.requests", "FieldValueInvalid"),
        "must be less than or equal to cpu limit of 2",
    ),
    (
        "gpu-request-below-limit",
        {"requests": {GPU: "1"}, "limits": {GPU: "2"}},
        ("spec.containers[0].resources.requests", "FieldValueInvalid"),
        f"must be equal to {GPU} limit of 2",
    ),
    (
        "half-a-gpu",
        {"limits": {GPU: "0.5"}},
        (f"spec.containers[0].resources.limits[{GPU}]", "FieldValueInvalid"),
        "must be an integer",
    ),
    (
        "gpu-request-without-limit",
        {"requests": {GPU: "1"}},
        ("spec.containers[0].resources.limits", "FieldValueRequired"),
        "Limit must be set for non overcommitable resources",
    ),
    (
        "negative-memory",
        {"requests": {"memory": "-1Gi"}},
        ("spec.containers[0].resources.requests[memory]", "FieldValueInvalid"),
        "must be greater than or equal to 0",
    ),
]


@pytest.mark.parametrize(
    ("name", "resources", "cause", "text"), INVALID_RESOURCES, ids=[c[0] for c in INVALID_RESOURCES]
)
def test_invalid_container_resources_are_422(
    k8s_api_client: Any,
    k8s_namespace: str,
    name: str,
    resources: dict[str, Any],
    cause: tuple[str, str],
    text: str,
) -> None:
    code, status, _ = raw(k8s_api_client, "POST", _pods(k8s_namespace), _with_resources(name, resources))
    assert (code, status["reason"]) == (422, "Invalid"), status
    assert cause in _causes(status), status
    assert text in status["message"]


def test_invalid_resources_in_a_deployment_template_are_422(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = deployment("over-limit", replicas=0)
    body["spec"]["template"]["spec"]["containers"][0]["resources"] = {
        "requests": {"cpu": "4"},
        "limits": {"cpu": "2"},
    }
    path = f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments"
    code, status, _ = raw(k8s_api_client, "POST", path, body)
    assert code == 422, status
    assert ("spec.template.spec.containers[0].resources.requests", "FieldValueInvalid") in _causes(status)


CANONICAL = [
    ({"cpu": "0.5", "memory": "1024Mi"}, {"cpu": "500m", "memory": "1Gi"}),
    ({"cpu": "2000m", "memory": "1.5Gi"}, {"cpu": "2", "memory": "1536Mi"}),
    ({"cpu": 1, "memory": "1000000"}, {"cpu": "1", "memory": "1M"}),
]


@pytest.mark.parametrize(("written", "stored"), CANONICAL, ids=["half-cpu", "milli-and-fraction", "numbers"])
def test_quantities_are_stored_in_canonical_form(
    k8s_api_client: Any, k8s_namespace: str, written: dict[str, Any], stored: dict[str, str]
) -> None:
    body = _with_resources("canonical", {"requests": written, "limits": written})
    code, created, _ = raw(k8s_api_client, "POST", _pods(k8s_namespace), body)
    assert code == 201, created
    resources = created["spec"]["containers"][0]["resources"]
    assert resources["requests"] == stored
    assert resources["limits"] == stored


@pytest.mark.parametrize("bad", ["1.2.3", "5x", "1KiB"])
def test_unparseable_quantity_is_400(k8s_api_client: Any, k8s_namespace: str, bad: str) -> None:
    body = _with_resources("bad-quantity", {"requests": {"cpu": bad}})
    code, status, _ = raw(k8s_api_client, "POST", _pods(k8s_namespace), body)
    assert (code, status["reason"]) == (400, "BadRequest"), status
    assert "quantities must match the regular expression" in status["message"]


def test_limit_only_pod_gets_requests_equal_to_limits(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = _with_resources("limit-only", {"limits": {"cpu": "1", GPU: "1"}})
    code, created, _ = raw(k8s_api_client, "POST", _pods(k8s_namespace), body)
    assert code == 201, created
    assert created["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "1", GPU: "1"}


def test_service_name_must_be_a_dns1035_label(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = {"metadata": {"name": "9fraud-scorer-stable"}, "spec": {"ports": [{"port": 80}]}}
    code, status, _ = raw(k8s_api_client, "POST", f"/api/v1/namespaces/{k8s_namespace}/services", body)
    assert (code, status["reason"]) == (422, "Invalid"), status
    assert ("metadata.name", "FieldValueInvalid") in _causes(status)
    assert "a DNS-1035 label must consist of lower case alphanumeric characters" in status["message"]


def test_a_deployment_may_start_with_a_digit(k8s_api_client: Any, k8s_namespace: str) -> None:
    """DNS-1123 subdomain: the same name that a Service refuses is a valid Deployment name."""
    path = f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments"
    code, created, _ = raw(k8s_api_client, "POST", path, deployment("9fraud-scorer", replicas=0))
    assert code == 201, created


def test_max_surge_and_max_unavailable_both_zero_is_invalid(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = deployment(
        "no-progress",
        replicas=0,
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}},
    )
    path = f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments"
    code, status, _ = raw(k8s_api_client, "POST", path, body)
    assert (code, status["reason"]) == (422, "Invalid"), status
    assert ("spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid") in _causes(status)
    assert "may not be 0 when `maxSurge` is 0" in status["message"]


def test_ingress_backend_service_name_must_be_a_dns1035_label(
    k8s_api_client: Any, k8s_namespace: str
) -> None:
    backend = {"service": {"name": "9fraud-scorer-stable", "port": {"number": 80}}}
    body = {
        "metadata": {"name": "ing"},
        "spec": {
            "rules": [
                {
                    "host": "a.example.com",
                    "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
                }
            ]
        },
    }
    path = f"/apis/networking.k8s.io/v1/namespaces/{k8s_namespace}/ingresses"
    code, status, _ = raw(k8s_api_client, "POST", path, body)
    assert (code, status["reason"]) == (422, "Invalid"), status
    assert ("spec.rules[0].http.paths[0].backend.service.name", "FieldValueInvalid") in _causes(status)
