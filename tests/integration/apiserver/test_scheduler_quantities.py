"""The scheduler survives any stored GPU quantity: a `"0.5"` GPU once crashed it on `int("0.5")`,
after which every pod in the cluster stayed Pending (#18). Validation now refuses such a pod from
clients, so it is written here as a controller would (internal), which skips validation."""

from __future__ import annotations

from typing import Any

from kubernetes import client

from ai_deploy_ci.local.apiserver import ApiServerHandle
from tests.conformance.helpers import pod, typed, wait_for


def test_a_fractional_gpu_pod_does_not_stop_scheduling(api_server: ApiServerHandle) -> None:
    api = api_server.api
    pods = api.registry.get("", "v1", "pods")
    assert pods is not None
    odd = pod("half-gpu")
    odd["spec"]["containers"][0]["resources"] = {"limits": {"nvidia.com/gpu": "0.5"}}
    api.create(pods, "default", odd, internal=True)
    core = typed(client.CoreV1Api, api_server.api_client())
    core.create_namespaced_pod("default", pod("after"))

    def bound() -> Any:
        return core.read_namespaced_pod("after", "default").spec.node_name

    wait_for(bound, timeout=30, what="the next pod to be scheduled")
    assert not api_server._manager.errors, api_server._manager.errors
