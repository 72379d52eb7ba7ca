"""Real-process pods: the sample model server (or the stand-in) runs on the pod's loopback IP,
readiness follows its real probe, /log serves its output, and no process outlives its pod or server."""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from kubernetes import client

from ai_deploy_ci.local.apiserver import ApiServerHandle
from tests.conformance.helpers import typed, wait_for

STANDIN = [sys.executable, "-m", "ai_deploy_ci.local.apiserver.standin"]
IMAGE = "ai-deploy-ci/sample-model-server:v2"


def _deployment(name: str, replicas: int, version: str, probe_path: str = "/readyz") -> dict[str, Any]:
    labels = {"app": name}
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 5,
                    "containers": [
                        {
                            "name": "server",
                            "image": IMAGE,
                            "ports": [{"containerPort": 8080}],
                            "env": [{"name": "MODEL_VERSION", "value": version}],
                            "readinessProbe": {
                                "httpGet": {"path": probe_path, "port": 8080},
                                "periodSeconds": 1,
                            },
                        }
                    ],
                },
            },
        },
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split()[2] != "Z"


def _ready_pods(core: Any, ns: str, selector: str, n: int) -> list[Any]:
    def check() -> list[Any] | None:
        pods = [
            p
            for p in core.list_namespaced_pod(ns, label_selector=selector).items
            if not p.metadata.deletion_timestamp
            and any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
        ]
        return pods if len(pods) == n else None

    return wait_for(check, timeout=60, what=f"{n} ready pods")


class _Cluster(NamedTuple):
    handle: ApiServerHandle
    api: Any  # kubernetes.client.ApiClient
    apps: Any
    core: Any

    def deploy_ready(self, name: str, replicas: int, version: str, probe_path: str = "/") -> list[Any]:
        """Create Deployment `name` (label app=name) and wait until its `replicas` pods are Ready."""
        self.apps.create_namespaced_deployment("default", _deployment(name, replicas, version, probe_path))
        return _ready_pods(self.core, "default", f"app={name}", replicas)


def _cluster(factory: Callable[..., ApiServerHandle], **kwargs: Any) -> _Cluster:
    """A fresh API server (stand-in pods unless `pod_command` says otherwise) and its typed clients."""
    handle = factory(**({"pod_command": STANDIN} | kwargs))
    api = handle.api_client()
    return _Cluster(handle, api, typed(client.AppsV1Api, api), typed(client.CoreV1Api, api))


def test_standin_pods_serve_on_their_pod_ip_and_are_cleaned_up(
    api_server_factory: Callable[..., ApiServerHandle],
) -> None:
    handle, _, apps, core = cluster = _cluster(api_server_factory)
    pods = cluster.deploy_ready("m", 2, "v7")
    ips = {p.status.pod_ip for p in pods}
    assert len(ips) == 2 and all(ip.startswith("127.10.") for ip in ips)
    for ip in ips:
        with urllib.request.urlopen(f"http://{ip}:8080/predict", timeout=5) as resp:
            assert resp.headers["x-model-version"] == "v7"
    log = wait_for(
        lambda: core.read_namespaced_pod_log(pods[0].metadata.name, "default") or None, what="pod log"
    )
    assert "listening" in log
    pids = handle._manager.runtime.pids()
    assert len(pids) == 2
    apps.delete_namespaced_deployment("m", "default")
    wait_for(
        lambda: not core.list_namespaced_pod("default", label_selector="app=m").items, what="pods deleted"
    )
    wait_for(lambda: not any(_alive(p) for p in pids), timeout=10, what="processes gone")


def test_stop_kills_every_process(api_server_factory: Callable[..., ApiServerHandle]) -> None:
    cluster = _cluster(api_server_factory)
    cluster.deploy_ready("k", 3, "v1")
    pids = cluster.handle._manager.runtime.pids()
    assert len(pids) == 3
    cluster.handle.stop()
    assert not any(_alive(p) for p in pids)


def test_rolling_update_of_real_pods_switches_versions(
    api_server_factory: Callable[..., ApiServerHandle],
) -> None:
    _, _, apps, core = cluster = _cluster(api_server_factory)
    cluster.deploy_ready("r", 2, "v1")
    apps.patch_namespaced_deployment(
        "r",
        "default",
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [{"name": "server", "env": [{"name": "MODEL_VERSION", "value": "v2"}]}]
                    }
                }
            }
        },
    )

    def done() -> bool:
        d = apps.read_namespaced_deployment("r", "default")
        return (
            d.status.updated_replicas == 2
            and d.status.available_replicas == 2
            and d.status.replicas == 2
            and d.status.observed_generation == 2
        )

    wait_for(done, timeout=60, what="rollout")
    versions = set()
    for p in _ready_pods(core, "default", "app=r", 2):
        with urllib.request.urlopen(f"http://{p.status.pod_ip}:8080/", timeout=5) as resp:
            versions.add(resp.headers["x-model-version"])
    assert versions == {"v2"}


def test_endpoints_follow_ready_pods(api_server_factory: Callable[..., ApiServerHandle]) -> None:
    _, api, _, core = cluster = _cluster(api_server_factory)
    core.create_namespaced_service(
        "default",
        {
            "metadata": {"name": "svc"},
            "spec": {"selector": {"app": "e"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]},
        },
    )
    svc = core.read_namespaced_service("svc", "default")
    assert svc.spec.cluster_ip.startswith("127.20.")
    pods = cluster.deploy_ready("e", 2, "v1")

    def addresses() -> set[str] | None:
        ep = core.read_namespaced_endpoints("svc", "default")
        ips = {a.ip for s in ep.subsets or [] for a in s.addresses or []}
        return ips if len(ips) == 2 else None

    assert wait_for(addresses, what="2 endpoint addresses") == {p.status.pod_ip for p in pods}
    ep = core.read_namespaced_endpoints("svc", "default")
    assert ep.subsets[0].ports[0].port == 8080
    slices = (
        typed(client.DiscoveryV1Api, api)
        .list_namespaced_endpoint_slice("default", label_selector="kubernetes.io/service-name=svc")
        .items
    )
    assert len(slices) == 1 and len(slices[0].endpoints) == 2


@pytest.mark.slow
def test_real_sample_model_server_pod(api_server_factory: Callable[..., ApiServerHandle]) -> None:
    """The real `ai-deploy-ci model-server` behind a pod (slower: it trains its model at start)."""
    cluster = _cluster(api_server_factory, pod_command=None)
    started = time.monotonic()
    pod = cluster.deploy_ready("real", 1, "v9", probe_path="/readyz")[0]
    assert time.monotonic() - started < 60
    with urllib.request.urlopen(f"http://{pod.status.pod_ip}:8080/readyz", timeout=5) as resp:
        assert resp.status == 200
        assert resp.headers.get("x-model-version") == "v9"
    pids = cluster.handle._manager.runtime.pids()
    cluster.handle.stop()
    assert not any(_alive(p) for p in pids)


def _pids_on(ip: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if ip.encode() in f.read():
                        found.append(int(entry))
            except OSError:
                pass
    return found


def test_pod_processes_die_with_a_killed_server(tmp_path: Any) -> None:
    """Even SIGKILL of the server process leaves no pod process behind (PR_SET_PDEATHSIG)."""
    import json
    import signal
    import subprocess

    from kubernetes import config

    env = {**os.environ, "AI_DEPLOY_CI_POD_COMMAND": " ".join(STANDIN)}
    kc = tmp_path / "kc.yaml"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ai_deploy_ci",
            "local-cluster",
            "--kubeconfig-out",
            str(kc),
            "--time-scale",
            "20",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert server.stdout is not None
        assert json.loads(server.stdout.readline())["event"] == "listening"
        api = config.new_client_from_config(config_file=str(kc))
        typed(client.AppsV1Api, api).create_namespaced_deployment("default", _deployment("o", 1, "v1", "/"))
        ip = _ready_pods(typed(client.CoreV1Api, api), "default", "app=o", 1)[0].status.pod_ip
        pids = _pids_on(ip)
        assert pids
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        wait_for(lambda: not any(_alive(p) for p in pids), timeout=10, what="orphaned pod processes gone")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
