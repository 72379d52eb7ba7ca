"""The facade that `demo`, `local-cluster` and the tests start the embedded environment through:
a Service's ClusterIP answers (the gateway runs beside the cluster), and `stop()` leaves nothing
listening and no pod process running."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from typing import Any

import requests
from kubernetes import client

from ai_deploy_ci.local.environment import LocalEnvironment
from tests.integration.servers.test_gateway_traffic import deployment, service


def _listening(url: str) -> bool:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, int(port))) == 0


def test_a_service_answers_on_its_cluster_ip_and_stop_cleans_up(
    local_environment_factory: Callable[..., LocalEnvironment],
) -> None:
    env = local_environment_factory(nodes=1, gpus_per_node=0)
    assert env.gateway is not None and env.prometheus is None
    api = env.cluster.api_client()
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.create_namespaced_deployment("default", deployment("v7", 1))
    core.create_namespaced_service("default", service("model", {"app": "model"}))
    url = ""
    deadline = time.monotonic() + 60
    answer: Any = None
    while time.monotonic() < deadline:  # the pod process starts, turns Ready, lands in Endpoints
        try:
            url = env.gateway.service_url("model")
            answer = requests.post(url + "/predict", data=json.dumps({"instances": [[5.1, 3.5, 1.4, 0.2]]}),
                                   headers={"Content-Type": "application/json"}, timeout=5)
            if answer.status_code == 200:
                break
        except (KeyError, requests.RequestException):
            pass
        time.sleep(0.2)
    assert answer is not None and answer.status_code == 200, answer and answer.text
    assert answer.headers["x-model-version"] == "v7"
    raw: Any = core.list_namespaced_pod("default", _preload_content=False)
    pod_urls = [f"http://{p['status']['podIP']}:8080" for p in json.loads(raw.data)["items"]]
    assert pod_urls and all(_listening(u) for u in pod_urls)
    cluster_url = env.cluster.url
    env.stop()
    assert not _listening(url), "the gateway still listens on the ClusterIP after stop()"
    assert not _listening(cluster_url), "the API server still listens after stop()"
    assert not any(_listening(u) for u in pod_urls), "a pod process outlived stop()"
