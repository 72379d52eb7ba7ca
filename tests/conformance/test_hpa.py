"""HorizontalPodAutoscaler: defaulting, validation, and a controller that enforces the bounds.

Stored-only HPAs were accepted with `minReplicas: 0` or `max < min`, got no default metric, and
never resized anything. On a real cluster (kube-controller-manager running) the same checks hold:
a Deployment below `minReplicas` is scaled up without any metrics being available.
"""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import deployment, raw, wait_for

pytestmark = pytest.mark.conformance


def _hpa(name: str, target: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}, **spec},
    }


def _path(ns: str) -> str:
    return f"/apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers"


def test_hpa_defaults_min_replicas_and_cpu_utilization(k8s_api_client: Any, k8s_namespace: str) -> None:
    code, created, _ = raw(
        k8s_api_client, "POST", _path(k8s_namespace), _hpa("defaults", "web", maxReplicas=3)
    )
    assert code == 201, created
    assert created["spec"]["minReplicas"] == 1
    assert created["spec"]["metrics"] == [
        {
            "type": "Resource",
            "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
        }
    ]


def test_hpa_behavior_is_completed_with_the_default_rules(k8s_api_client: Any, k8s_namespace: str) -> None:
    body = _hpa("behavior", "web", maxReplicas=3, behavior={"scaleDown": {"stabilizationWindowSeconds": 60}})
    code, created, _ = raw(k8s_api_client, "POST", _path(k8s_namespace), body)
    assert code == 201, created
    behavior = created["spec"]["behavior"]
    assert behavior["scaleDown"]["stabilizationWindowSeconds"] == 60
    assert behavior["scaleDown"]["policies"] == [{"type": "Percent", "value": 100, "periodSeconds": 15}]
    assert behavior["scaleUp"]["stabilizationWindowSeconds"] == 0
    assert {"type": "Pods", "value": 4, "periodSeconds": 15} in behavior["scaleUp"]["policies"]


@pytest.mark.parametrize(
    ("spec", "field", "text"),
    [
        ({"minReplicas": 0, "maxReplicas": 3}, "spec.minReplicas", "must be greater than or equal to 1"),
        (
            {"minReplicas": 5, "maxReplicas": 3},
            "spec.maxReplicas",
            "must be greater than or equal to `minReplicas`",
        ),
        (
            {
                "maxReplicas": 3,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 0},
                        },
                    }
                ],
            },
            "spec.metrics[0].resource.target.averageUtilization",
            "must be greater than 0",
        ),
    ],
    ids=["min-zero", "max-below-min", "zero-utilization"],
)
def test_invalid_hpa_is_422(
    k8s_api_client: Any, k8s_namespace: str, spec: dict[str, Any], field: str, text: str
) -> None:
    code, status, _ = raw(k8s_api_client, "POST", _path(k8s_namespace), _hpa("bad", "web", **spec))
    assert (code, status["reason"]) == (422, "Invalid"), status
    assert field in [c.get("field") for c in status["details"]["causes"]], status
    assert text in status["message"]


def test_hpa_scales_a_deployment_below_min_replicas_up(k8s_api_client: Any, k8s_namespace: str) -> None:
    deployments = f"/apis/apps/v1/namespaces/{k8s_namespace}/deployments"
    assert raw(k8s_api_client, "POST", deployments, deployment("small", replicas=1))[0] == 201
    code, _, _ = raw(
        k8s_api_client, "POST", _path(k8s_namespace), _hpa("small", "small", minReplicas=3, maxReplicas=5)
    )
    assert code == 201

    def scaled() -> Any:
        _, dep, _ = raw(k8s_api_client, "GET", f"{deployments}/small")
        return dep["spec"]["replicas"] == 3 and dep

    wait_for(scaled, timeout=120, interval=0.2, what="the HPA to raise replicas to minReplicas")

    def reported() -> Any:
        _, hpa, _ = raw(k8s_api_client, "GET", f"{_path(k8s_namespace)}/small")
        status = hpa.get("status") or {}
        return status.get("desiredReplicas") == 3 and status.get("lastScaleTime") and status

    status = wait_for(reported, timeout=120, interval=0.2, what="the HPA status")
    assert any(c["type"] == "AbleToScale" for c in status["conditions"]), status
