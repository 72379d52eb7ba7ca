"""A readiness probe dials its own port (`tcpSocket.port` / `httpGet.port`, a number or a port
name), not the first containerPort: a probe on a port nothing listens on never succeeds (#18)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from kubernetes import client

from ai_deploy_ci.local.apiserver import ApiServerHandle
from ai_deploy_ci.local.apiserver.controllers.runtime import probe_port
from tests.conformance.helpers import typed, wait_for

STANDIN = [sys.executable, "-m", "ai_deploy_ci.local.apiserver.standin"]
IMAGE = "ai-deploy-ci/sample-model-server:v2"


def _pod(name: str, probe: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "terminationGracePeriodSeconds": 0,
            "containers": [
                {
                    "name": "server",
                    "image": IMAGE,
                    "ports": [{"name": "http", "containerPort": 8080}],
                    "env": [{"name": "MODEL_VERSION", "value": "v1"}],
                    "readinessProbe": {**probe, "periodSeconds": 1},
                }
            ],
        },
    }


def _ready(core: Any, name: str) -> bool:
    pod = core.read_namespaced_pod(name, "default")
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or [])


def test_tcp_probe_on_its_own_port(api_server_factory: Callable[..., ApiServerHandle]) -> None:
    handle = api_server_factory(pod_command=STANDIN)
    core = typed(client.CoreV1Api, handle.api_client())
    core.create_namespaced_pod("default", _pod("named", {"tcpSocket": {"port": "http"}}))
    core.create_namespaced_pod("default", _pod("elsewhere", {"tcpSocket": {"port": 9}}))
    wait_for(lambda: _ready(core, "named"), timeout=60, what="the pod probed on its named port 8080")
    deadline = time.monotonic() + 3.0  # ~60 probe periods at time_scale 20: long enough to have passed
    while time.monotonic() < deadline:
        assert not _ready(core, "elsewhere"), "a probe of port 9 succeeded: it dialled 8080"
        time.sleep(0.1)


def test_probe_port_resolution() -> None:
    container = {
        "ports": [{"name": "metrics", "containerPort": 9090}, {"name": "http", "containerPort": 8080}]
    }
    assert probe_port({"tcpSocket": {"port": 7000}}, container) == 7000
    assert probe_port({"httpGet": {"path": "/", "port": "http"}}, container) == 8080
    assert probe_port({"tcpSocket": {"port": "nope"}}, container) == -1
    assert probe_port(None, container) == 9090
