"""Cluster access: kubeconfig (`--kubeconfig`, `KUBECONFIG`, ~/.kube/config) or in-cluster config.

Failing to find credentials is a user error with a fix, not a traceback: the most common first
failure of a deploy job is a missing `KUBECONFIG`.
"""

from __future__ import annotations

import os
from pathlib import Path

from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException

from ai_deploy_ci.errors import ClusterError


def api_client(kubeconfig: str | None = None, context: str | None = None) -> client.ApiClient:
    """An ApiClient from the first source that exists, in kubectl's order."""
    path = kubeconfig or os.environ.get("KUBECONFIG")
    default = Path.home() / ".kube" / "config"
    try:
        if path:
            first = path.split(os.pathsep)[0]
            if not Path(first).is_file():
                raise ClusterError(
                    f"kubeconfig {first} does not exist",
                    fix="pass --kubeconfig PATH or set KUBECONFIG to a readable file",
                )
            return config.new_client_from_config(config_file=first, context=context)
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            cfg = client.Configuration()
            config.load_incluster_config(client_configuration=cfg)
            return client.ApiClient(cfg)
        if default.is_file():
            return config.new_client_from_config(config_file=str(default), context=context)
    except ConfigException as exc:
        raise ClusterError(
            f"cannot load cluster credentials: {exc}", fix="check the kubeconfig file and the --context name"
        ) from exc
    raise ClusterError(
        "no cluster credentials found",
        fix="pass --kubeconfig PATH, set KUBECONFIG, or run inside a cluster with a service account",
    )
