"""The HPA controller acting on a metric the test sets (the metrics stand-in): scale-up from
utilisation, the max bound, the scale-down stabilisation window, and the reported status."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from ai_deploy_ci.local.apiserver import ApiServerHandle
from tests.conformance.helpers import deployment, typed, wait_for

NS = "default"


def _setup(
    api_server: ApiServerHandle, replicas: int, down_window: int, max_replicas: int = 6
) -> tuple[Any, Any]:
    api_client = api_server.api_client()
    apps = typed(client.AppsV1Api, api_client)
    scaling = typed(client.AutoscalingV2Api, api_client)
    apps.create_namespaced_deployment(NS, deployment("web", replicas=replicas))
    hpa = {
        "metadata": {"name": "web"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}},
                }
            ],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": down_window}},
        },
    }
    scaling.create_namespaced_horizontal_pod_autoscaler(NS, hpa)
    return apps, scaling


def _replicas(apps: Any) -> int:
    return int(apps.read_namespaced_deployment("web", NS).spec.replicas)


def test_high_utilisation_scales_up_and_is_reported(api_server: ApiServerHandle) -> None:
    apps, scaling = _setup(api_server, replicas=2, down_window=0)
    api_server.api.metrics.set_utilization(NS, "web", "cpu", 100)  # 2 × 100/50 → 4
    wait_for(lambda: _replicas(apps) == 4, timeout=60, interval=0.05, what="scale-up to 4")
    api_server.api.metrics.set_utilization(NS, "web", "cpu", 50)  # the load now spread over 4 pods

    def status() -> Any:
        st = scaling.read_namespaced_horizontal_pod_autoscaler_status("web", NS).status
        return st.desired_replicas == 4 and st.current_replicas == 4 and st

    st = wait_for(status, timeout=60, interval=0.05, what="status 4/4")
    kinds = {c.type: (c.status, c.reason) for c in st.conditions}
    assert kinds["ScalingActive"] == ("True", "ValidMetricFound")
    assert kinds["AbleToScale"][0] == "True"
    assert st.current_metrics[0].resource.current.average_utilization == 50
    assert st.last_scale_time is not None


def test_max_replicas_caps_the_scale_up(api_server: ApiServerHandle) -> None:
    apps, scaling = _setup(api_server, replicas=2, down_window=0, max_replicas=3)
    api_server.api.metrics.set_utilization(NS, "web", "cpu", 400)  # wants 16
    wait_for(lambda: _replicas(apps) == 3, timeout=60, interval=0.05, what="scale-up to max 3")

    def limited() -> Any:
        st = scaling.read_namespaced_horizontal_pod_autoscaler_status("web", NS).status
        conds = {c.type: (c.status, c.reason) for c in st.conditions or []}
        return conds.get("ScalingLimited") == ("True", "TooManyReplicas")

    wait_for(limited, timeout=60, interval=0.05, what="ScalingLimited=TooManyReplicas")
    assert _replicas(apps) == 3


def test_scale_down_waits_for_the_stabilisation_window(api_server: ApiServerHandle) -> None:
    """After load drops, the count holds for the window (120 cluster s), then falls to the proposal."""
    clock = api_server.clock
    apps, _ = _setup(api_server, replicas=4, down_window=120)
    api_server.api.metrics.set_utilization(NS, "web", "cpu", 50)  # on target: hold 4
    wait_for(
        lambda: (
            (api_server.api.store.get(("autoscaling", "horizontalpodautoscalers"), NS, "web") or {})
            .get("status", {})
            .get("desiredReplicas")
            == 4
        ),
        timeout=60,
        interval=0.05,
        what="a first recommendation of 4",
    )
    dropped_at = clock.now()
    api_server.api.metrics.set_utilization(NS, "web", "cpu", 10)  # proposes 1
    wait_for(lambda: _replicas(apps) == 1, timeout=120, interval=0.05, what="scale-down to 1")
    waited = clock.now() - dropped_at
    assert waited >= 100, f"scaled down after {waited:.0f} cluster s, inside the 120 s window"
