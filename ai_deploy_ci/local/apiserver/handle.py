"""Starting and stopping the server: the handle other areas use (`start_api_server`)."""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from ..httpserver import require_loopback
from .clock import Clock
from .controllers import ControllerManager
from .faults import Faults
from .kubeconfig import write_kubeconfig
from .resources import Registry
from .rest import SYSTEM_NAMESPACES, Api
from .server import ApiHTTPServer
from .store import Store

DEFAULT_TOKEN = "ai-deploy-ci-local-token"


class ApiServerHandle:
    """A running local cluster.

    Attributes: url, kubeconfig_path, token, faults, clock, api (in-process verbs), workdir.
    """

    def __init__(
        self,
        api: Api,
        http: ApiHTTPServer,
        manager: ControllerManager,
        workdir: Path,
        kubeconfig_path: Path,
        own_workdir: bool,
    ) -> None:
        self.api = api
        self.faults: Faults = api.faults
        self.clock: Clock = api.clock
        self._http = http
        self._manager = manager
        self.workdir = workdir
        self._own_workdir = own_workdir
        host, port = http.server_address[:2]
        self.host = str(host)
        self.port = int(port)
        self.url = f"http://{self.host}:{self.port}"
        self.token = http.token
        self.kubeconfig_path = write_kubeconfig(kubeconfig_path, self.url, self.token)
        http.start()
        self._stopped = False

    def api_client(self) -> Any:
        """A fresh `kubernetes.client.ApiClient` configured for this server."""
        from kubernetes import client

        cfg = client.Configuration()
        cfg.host = self.url
        if self.token:
            cfg.api_key = {"BearerToken": self.token}
            cfg.api_key_prefix = {"BearerToken": "Bearer"}
        return client.ApiClient(cfg)

    def install_crds(self, *sources: str | os.PathLike[str] | dict[str, Any]) -> list[str]:
        """Install CRDs from bundle names ("gateway-api", "gateway-api-experimental", "istio"), YAML files or
        dicts; returns the CRD names. Their kinds are served at once."""
        return self.api.crds.install(sources)

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until the controllers have nothing left to do right now (not waiting on time)."""
        return self._manager.wait_idle(timeout)

    def stop(self) -> None:
        """Stop controllers, kill pod processes (SIGTERM, then SIGKILL), close the socket and connections."""
        if self._stopped:
            return
        self._stopped = True
        self._http.stopping.set()  # watches end while the controllers stop
        self._manager.stop()
        self._http.close(timeout=5)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> ApiServerHandle:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_api_server(
    nodes: int = 2,
    gpus_per_node: int = 4,
    crds: Iterable[str | os.PathLike[str]] = (),
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    time_scale: float = 1.0,
    token: str | None = DEFAULT_TOKEN,
    kubeconfig_path: str | os.PathLike[str] | None = None,
    pod_command: Sequence[str] | None = None,
    workdir: str | os.PathLike[str] | None = None,
) -> ApiServerHandle:
    """Start the server and its controllers in background threads; returns once it accepts requests.

    `pod_command` replaces `python -m ai_deploy_ci model-server` for sample-model-server pods (the
    kubelet appends `--host <podIP> --port <containerPort>`; default: $AI_DEPLOY_CI_POD_COMMAND, split
    as a shell would, if set). `token=None` serves without auth.
    """
    require_loopback(host, "the local API server binds only to 127.0.0.0/8")
    own = workdir is None
    wd = Path(tempfile.mkdtemp(prefix="ai-deploy-ci-cluster-")) if workdir is None else Path(workdir)
    clock = Clock(time_scale)
    api = Api(Store(), Registry(), clock, Faults())
    ns_rt = api.registry.get("", "v1", "namespaces")
    node_rt = api.registry.get("", "v1", "nodes")
    assert ns_rt is not None and node_rt is not None
    for ns in SYSTEM_NAMESPACES:
        api.create(ns_rt, "", {"metadata": {"name": ns}}, internal=True)
    for i in range(1, nodes + 1):
        api.create(node_rt, "", _node(f"node-{i}", i, gpus_per_node, clock.stamp()), internal=True)
    if crds:
        api.crds.install(list(crds))
    if pod_command is None and os.environ.get("AI_DEPLOY_CI_POD_COMMAND"):
        pod_command = shlex.split(os.environ["AI_DEPLOY_CI_POD_COMMAND"])
    manager = ControllerManager(api, wd, pod_command)
    http = ApiHTTPServer((host, port), api, token)
    manager.start()
    kc = Path(kubeconfig_path) if kubeconfig_path else wd / "kubeconfig"
    return ApiServerHandle(api, http, manager, wd, kc, own)


def _node(name: str, index: int, gpus: int, now: str) -> dict[str, Any]:
    resources = {
        "cpu": "16",
        "memory": "64Gi",
        "pods": "110",
        "ephemeral-storage": "100Gi",
        "nvidia.com/gpu": str(gpus),
    }
    return {
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "nvidia.com/gpu.present": "true" if gpus else "false",
            },
        },
        "spec": {},
        "status": {
            "capacity": dict(resources),
            "allocatable": dict(resources),
            "addresses": [
                {"type": "InternalIP", "address": f"127.30.0.{index}"},
                {"type": "Hostname", "address": name},
            ],
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": now,
                    "lastTransitionTime": now,
                }
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.37.0",
                "containerRuntimeVersion": "ai-deploy-ci://local",
                "operatingSystem": "linux",
                "architecture": "amd64",
                "osImage": "local",
                "kernelVersion": "",
                "kubeProxyVersion": "",
                "machineID": "",
                "systemUUID": "",
                "bootID": "",
            },
        },
    }
