"""The fixtures together: model servers outside the cluster behind a selector-less Service."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import requests
from kubernetes import client

from ai_deploy_ci.local.apiserver import ApiServerHandle
from ai_deploy_ci.local.gateway import Gateway, Target
from ai_deploy_ci.local.model_server.process import ModelServerProcess


def test_external_model_servers_behind_manual_endpoints(
    api_server: ApiServerHandle,
    model_servers_factory: Callable[..., list[ModelServerProcess]],
    gateway_factory: Callable[..., Gateway],
) -> None:
    servers = model_servers_factory(2, model_version="ext")
    port = int(servers[0].url.rsplit(":", 1)[1])
    assert all(s.url.startswith("http://127.0.0.1:") for s in servers)
    core = client.CoreV1Api(api_server.api_client())
    svc: Any = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "external"},
        "spec": {"ports": [{"name": "http", "port": 80, "targetPort": port}]},
    }
    core.create_namespaced_service("default", svc)
    eps: Any = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "external"},
        "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"name": "http", "port": port}]}],
    }
    core.create_namespaced_endpoints("default", eps)
    gateway = gateway_factory(api_server.api_client())
    assert gateway.wait_until(lambda t: t.endpoints(Target("default", "external")) == [("127.0.0.1", port)])
    session = requests.Session()
    seen = Counter(
        session.get(gateway.service_url("external") + "/healthz", timeout=5).headers["x-model-version"]
        for _ in range(20)
    )
    assert seen == Counter({"ext": 20})
    public = session.get(
        gateway.public_url + "/readyz", headers={"Host": "external.default.svc.cluster.local"}, timeout=5
    )
    assert public.status_code == 200 and public.headers["x-routed-to"] == "default/external"
    assert gateway.stats()["routed"]["default/external"] == 21
