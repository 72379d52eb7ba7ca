"""Cluster access: kubeconfig (`--kubeconfig`, `KUBECONFIG`, ~/.kube/config) or in-cluster config.

Failing to find or use credentials is a user error with a fix (exit 3), not a traceback: the most
common first failure of a deploy job is a missing or broken `KUBECONFIG`.

The kubeconfig is read with the same bounds as every other input (`spec/bounded.py`): a file that
is not YAML is a located error, not `internal error: ScannerError`. An exec credential plugin
(`users[].user.exec`, e.g. `aws eks get-token`) is run once here with a time limit, so one that
never returns or fails says so (exit 3, naming the plugin and its stderr) instead of hanging the
deploy or carrying on without credentials (the client library only logs the failure). Later token
refreshes go through `cluster/exec_bound.py`, which applies the same time limit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.config.config_exception import ConfigException
from kubernetes.config.kube_config import KubeConfigLoader

from ai_deploy_ci.errors import ClusterError, InputError

# seconds an exec plugin may take (cloud CLIs take a few)
EXEC_TIMEOUT = float(os.environ.get("AI_DEPLOY_CI_EXEC_TIMEOUT") or 60.0)
MAX_KUBECONFIG_BYTES = 10_000_000
FIX = "check the kubeconfig file and the --context name"


def api_client(kubeconfig: str | None = None, context: str | None = None) -> client.ApiClient:
    """An ApiClient from the first source that exists, in kubectl's order."""
    path = kubeconfig or os.environ.get("KUBECONFIG")
    default = Path.home() / ".kube" / "config"
    if path:
        first = path.split(os.pathsep)[0]
        if not Path(first).is_file():
            raise ClusterError(
                f"kubeconfig {first} does not exist",
                fix="pass --kubeconfig PATH or set KUBECONFIG to a readable file",
            )
        return from_file(Path(first), context)
    try:
        if os.environ.get("KUBERNETES_SERVICE_HOST"):
            cfg = client.Configuration()
            config.load_incluster_config(client_configuration=cfg)
            return client.ApiClient(cfg)
    except ConfigException as exc:
        raise ClusterError(f"cannot load in-cluster credentials: {exc}", fix=FIX) from exc
    if default.is_file():
        return from_file(default, context)
    raise ClusterError(
        "no cluster credentials found",
        fix="pass --kubeconfig PATH, set KUBECONFIG, or run inside a cluster with a service account",
    )


def from_file(path: Path, context: str | None) -> client.ApiClient:
    from ai_deploy_ci.spec.bounded import load_yaml_documents

    try:
        docs = load_yaml_documents(path, max_bytes=MAX_KUBECONFIG_BYTES, what="kubeconfig")
    except InputError as exc:
        raise ClusterError(f"kubeconfig {path}: {exc.message}", fix=exc.fix or FIX,
                           location=exc.location) from None
    data = docs[0] if len(docs) == 1 else None
    if not isinstance(data, dict):
        raise ClusterError(f"kubeconfig {path} is not a kubeconfig (one YAML mapping)", fix=FIX)
    try:
        _bound_exec_plugin(data, context, path.parent)
        cfg = client.Configuration()
        loader = KubeConfigLoader(config_dict=data, active_context=context, config_base_path=str(path.parent))
        loader.load_and_set(cfg)
        return client.ApiClient(cfg)
    except ConfigException as exc:
        raise ClusterError(f"cannot load cluster credentials from {path}: {exc}", fix=FIX) from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a kubeconfig of the wrong shape
        raise ClusterError(f"kubeconfig {path} is malformed: {type(exc).__name__}: {exc}", fix=FIX) from None


def _bound_exec_plugin(data: dict[str, Any], context: str | None, base: Path) -> None:
    """Run the context's exec plugin once (bounded), then route its later runs through exec_bound."""
    user = _user_of(data, context)
    exec_cfg = user.get("exec") if isinstance(user, dict) else None
    if not isinstance(exec_cfg, dict) or not exec_cfg.get("command"):
        return
    command = [str(exec_cfg["command"]), *[str(a) for a in exec_cfg.get("args") or []]]
    env = {**os.environ, **{str(e["name"]): str(e["value"]) for e in exec_cfg.get("env") or []
                            if isinstance(e, dict) and "name" in e}}
    info = {"apiVersion": exec_cfg.get("apiVersion"), "kind": "ExecCredential",
            "spec": {"interactive": False}}
    env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    name = Path(command[0]).name
    try:
        done = subprocess.run(command, env=env, cwd=base, capture_output=True, text=True,
                              timeout=EXEC_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ClusterError(f"kubeconfig exec plugin `{name}` did not answer within {EXEC_TIMEOUT:g}s",
                           fix=f"run `{' '.join(command)}` by hand; is it waiting for a login?") from None
    except OSError as exc:
        raise ClusterError(f"kubeconfig exec plugin `{name}` cannot run: {exc.strerror or exc}",
                           fix="install it on the runner or fix users[].user.exec.command") from None
    if done.returncode != 0:
        raise ClusterError(f"kubeconfig exec plugin `{name}` failed (exit {done.returncode}): "
                           f"{done.stderr.strip()[-500:] or '(no stderr)'}",
                           fix="fix the plugin's credentials (a login, a role, an expired key)")
    try:
        status = json.loads(done.stdout)["status"]
        assert isinstance(status, dict)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise ClusterError(f"kubeconfig exec plugin `{name}` printed no ExecCredential",
                           fix="the plugin must print an ExecCredential JSON object") from None
    exec_cfg["command"] = sys.executable
    exec_cfg["args"] = ["-m", "ai_deploy_ci.cluster.exec_bound", str(EXEC_TIMEOUT), *command]


def _user_of(data: dict[str, Any], context: str | None) -> Any:
    name = context or data.get("current-context")
    ctx = _named(data.get("contexts"), name, "context")
    return _named(data.get("users"), ctx.get("user"), "user") if isinstance(ctx, dict) else None


def _named(entries: Any, name: Any, field: str) -> Any:
    """`entries[i][field]` of the entry called `name` in a kubeconfig list (contexts, users)."""
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and entry.get("name") == name:
            return entry.get(field)
    return None
