"""One facade for the whole embedded environment: the local cluster, its traffic gateway and,
optionally, Prometheus — started together, stopped together.

`demo`, `local-cluster` and the test fixtures all start the environment through here, so what a
user tries by hand (`ai-deploy-ci local-cluster` then `ai-deploy-ci run`) is what the tests run
on. Without the gateway, Services' ClusterIPs answer nothing, so it is on by default.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from ai_deploy_ci.local.apiserver import ApiServerHandle, start_api_server
from ai_deploy_ci.local.apiserver.handle import DEFAULT_TOKEN

if TYPE_CHECKING:
    from ai_deploy_ci.local.gateway import Gateway
    from ai_deploy_ci.local.prometheus import PrometheusProcess


@dataclass
class LocalEnvironment:
    cluster: ApiServerHandle
    gateway: Gateway | None = None
    prometheus: PrometheusProcess | None = None

    @property
    def kubeconfig(self) -> Path:
        return Path(self.cluster.kubeconfig_path)

    def stop(self) -> None:
        """Stop in reverse order of start: nothing is left listening or running (pods included)."""
        if self.prometheus is not None:
            self.prometheus.stop()
        if self.gateway is not None:
            self.gateway.stop()
        self.cluster.stop()

    def __enter__(self) -> LocalEnvironment:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_local_environment(
    *,
    nodes: int = 2,
    gpus_per_node: int = 4,
    crds: Iterable[str | os.PathLike[str]] = (),
    port: int = 0,
    host: str = "127.0.0.1",
    time_scale: float = 1.0,
    token: str | None = DEFAULT_TOKEN,
    kubeconfig_path: str | os.PathLike[str] | None = None,
    gateway: bool = True,
    prometheus_targets: Sequence[str] | None = None,
    workdir: str | os.PathLike[str] | None = None,
) -> LocalEnvironment:
    """Start the cluster, then the gateway (it watches the cluster), then Prometheus if asked
    (scraping `prometheus_targets`, "127.0.0.1:PORT"). A part that fails to start stops the
    parts already started before the error propagates."""
    handle = start_api_server(
        nodes=nodes, gpus_per_node=gpus_per_node, crds=tuple(crds), port=port, host=host,
        time_scale=time_scale, token=token, kubeconfig_path=kubeconfig_path, workdir=workdir,
    )
    env = LocalEnvironment(handle)
    try:
        if gateway:
            from ai_deploy_ci.local.gateway import Gateway

            env.gateway = Gateway(handle.api_client()).start()
        if prometheus_targets is not None:
            from ai_deploy_ci.local.prometheus import start_prometheus

            base = Path(workdir) if workdir is not None else Path(handle.workdir)
            env.prometheus = start_prometheus(list(prometheus_targets), base / "prometheus")
    except BaseException:
        env.stop()
        raise
    return env
