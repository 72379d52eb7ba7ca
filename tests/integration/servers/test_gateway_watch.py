"""The gateway follows the cluster through the official client, including CRDs installed later."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from kubernetes import client

from ai_deploy_ci.local.apiserver import ApiServerHandle
from ai_deploy_ci.local.gateway import Gateway, Request


def test_crd_installed_after_start_and_route_changes_are_seen(
    api_server: ApiServerHandle, gateway_factory: Callable[..., Gateway]
) -> None:
    gateway = gateway_factory(api_server.api_client())
    api_server.install_crds("gateway-api")
    custom = client.CustomObjectsApi(api_server.api_client())
    route: Any = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "r"},
        "spec": {"hostnames": ["a.example.com"], "rules": [{"backendRefs": [{"name": "svc-a", "port": 80}]}]},
    }
    args = ("gateway.networking.k8s.io", "v1", "default", "httproutes")
    custom.create_namespaced_custom_object(*args, route)

    def target(table: Any) -> str | None:
        d = table.decide_public(Request("a.example.com"), random.Random(0))
        return d.target.service if d.target else None

    assert gateway.wait_until(lambda t: target(t) == "svc-a", timeout=5)
    route["spec"]["rules"][0]["backendRefs"][0]["name"] = "svc-b"
    custom.patch_namespaced_custom_object(*args, "r", {"spec": route["spec"]})
    assert gateway.wait_until(lambda t: target(t) == "svc-b", timeout=5)
    custom.delete_namespaced_custom_object(*args, "r")
    assert gateway.wait_until(lambda t: target(t) is None, timeout=5)
    assert gateway.watcher.errors < 5
