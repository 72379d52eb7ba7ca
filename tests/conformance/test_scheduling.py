"""GPU scheduling: pods that fit are bound; pods that do not stay Pending with FailedScheduling."""

from __future__ import annotations

from typing import Any

import pytest
from kubernetes import client

from .helpers import pod, typed, wait_for

pytestmark = pytest.mark.conformance


def _max_gpus(core: Any) -> int:
    return max(
        (int((n.status.allocatable or {}).get("nvidia.com/gpu", 0)) for n in core.list_node().items),
        default=0,
    )


def _gpu_pod(name: str, gpus: int) -> dict[str, Any]:
    body = pod(name)
    body["spec"]["containers"][0]["resources"] = {"limits": {"nvidia.com/gpu": str(gpus)}}
    return body


def test_gpu_pod_that_fits_is_scheduled(k8s_api_client: Any, k8s_namespace: str) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    if _max_gpus(core) < 1:
        pytest.skip("no node with allocatable nvidia.com/gpu")
    core.create_namespaced_pod(k8s_namespace, _gpu_pod("fits", 1))
    p = wait_for(
        lambda: (lambda x: x if x.spec.node_name else None)(core.read_namespaced_pod("fits", k8s_namespace)),
        what="pod bound to a node",
    )
    node = core.read_node(p.spec.node_name)
    assert int(node.status.allocatable["nvidia.com/gpu"]) >= 1


def test_too_many_gpus_leaves_pod_pending_with_failed_scheduling(
    k8s_api_client: Any, k8s_namespace: str
) -> None:
    core = typed(client.CoreV1Api, k8s_api_client)
    most = _max_gpus(core)
    if most < 1:
        pytest.skip("no node with allocatable nvidia.com/gpu")
    core.create_namespaced_pod(k8s_namespace, _gpu_pod("greedy", most + 1))

    def unschedulable() -> Any:
        p = core.read_namespaced_pod("greedy", k8s_namespace)
        cond = next((c for c in p.status.conditions or [] if c.type == "PodScheduled"), None)
        return p if cond is not None and cond.status == "False" else None

    p = wait_for(unschedulable, what="PodScheduled=False")
    cond = next(c for c in p.status.conditions if c.type == "PodScheduled")
    assert cond.reason == "Unschedulable" and "Insufficient nvidia.com/gpu" in cond.message
    assert p.status.phase == "Pending" and not p.spec.node_name
    events = wait_for(
        lambda: [
            e
            for e in core.list_namespaced_event(
                k8s_namespace, field_selector="involvedObject.name=greedy"
            ).items
            if e.reason == "FailedScheduling"
        ],
        what="FailedScheduling event",
    )
    assert events[0].type == "Warning" and "Insufficient nvidia.com/gpu" in events[0].message
