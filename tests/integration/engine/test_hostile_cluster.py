"""Hostile or broken environments (issue #14 §3), through the real CLI against the local API server:
each is exit 3 with a message that says what and a fix — never exit 70 and a raw API dump, never
a hang, never carrying on without credentials. Plus `plan | head` (exit 141, no traceback)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ai_deploy_ci.local.apiserver import ApiServerHandle, start_api_server
from tests.integration.engine.scenarios import deploy_yaml

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def cluster() -> Iterator[ApiServerHandle]:
    handle = start_api_server(nodes=1, gpus_per_node=0, time_scale=50.0)
    try:
        yield handle
    finally:
        handle.stop()


def cli(
    *args: str, timeout: float = 60, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "ai_deploy_ci", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env=full)


def kubeconfig(cluster: ApiServerHandle, tmp: Path, **user: object) -> Path:
    doc = yaml.safe_load(Path(cluster.kubeconfig_path).read_text())
    doc["users"][0]["user"] = user
    path = tmp / "kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return path


def assert_cluster_error(out: subprocess.CompletedProcess[str], *words: str) -> None:
    text = out.stdout + out.stderr
    assert out.returncode == 3, (out.returncode, text[-1500:])
    assert "internal error" not in text and "Traceback" not in text, text[-1500:]
    assert "fix:" in text, text[-1500:]
    for w in words:
        assert w in text, text[-1500:]


@pytest.mark.parametrize("command", ["deploy", "plan", "rollback"])
def test_a_wrong_token_is_exit_3_with_a_fix(cluster: ApiServerHandle, tmp_path: Path, command: str) -> None:
    spec = deploy_yaml(tmp_path / "deploy.yaml", "default", "2.0.0", [{"setWeight": 50}])
    config = kubeconfig(cluster, tmp_path, token="not-the-token")
    extra = ["--results", str(tmp_path / "r")] if command != "plan" else []
    assert_cluster_error(cli(command, str(spec), "--kubeconfig", str(config), *extra), "401")


@pytest.mark.parametrize("command", ["deploy", "promote", "run --dry-run"])
def test_a_missing_namespace_is_exit_3_naming_it(
    cluster: ApiServerHandle, tmp_path: Path, command: str
) -> None:
    spec = deploy_yaml(tmp_path / "deploy.yaml", "no-such-ns", "2.0.0", [{"setWeight": 50}])
    results = ["--results-dir" if command.startswith("run") else "--results", str(tmp_path / "r")]
    out = cli(*command.split(), str(spec), "--kubeconfig", str(cluster.kubeconfig_path), *results)
    assert_cluster_error(out, "no-such-ns")


def test_403_creating_the_lease_is_exit_3(cluster: ApiServerHandle, tmp_path: Path) -> None:
    ns = "lease-denied"
    from tests.integration.engine.conftest import create_namespace, make_kube

    create_namespace(make_kube(cluster), ns)
    cluster.faults.deny("create", "leases", "coordination.k8s.io", ns)
    try:
        spec = deploy_yaml(tmp_path / "deploy.yaml", ns, "2.0.0", [{"setWeight": 50}])
        out = cli("deploy", str(spec), "--kubeconfig", str(cluster.kubeconfig_path),
                  "--results", str(tmp_path / "r"))
    finally:
        cluster.faults.clear()
    assert_cluster_error(out, "leases", "rbac.yaml")
    assert (tmp_path / "r" / "rollout.json").is_file()  # not_started, with the reason


def test_a_kubeconfig_that_is_not_yaml(tmp_path: Path) -> None:
    spec = deploy_yaml(tmp_path / "deploy.yaml", "default", "2.0.0", [{"setWeight": 50}])
    (tmp_path / "kubeconfig").write_text("apiVersion: v1\nclusters: [\n  - {name: x\n: ::\n")
    out = cli("plan", str(spec), "--kubeconfig", str(tmp_path / "kubeconfig"))
    assert_cluster_error(out, "kubeconfig")


def plugin(tmp: Path, body: str) -> Path:
    path = tmp / "cred-plugin"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_an_exec_plugin_that_never_returns_is_bounded(cluster: ApiServerHandle, tmp_path: Path) -> None:
    spec = deploy_yaml(tmp_path / "deploy.yaml", "default", "2.0.0", [{"setWeight": 50}])
    exec_cfg = {"apiVersion": "client.authentication.k8s.io/v1",
                "command": str(plugin(tmp_path, "sleep 600"))}
    config = kubeconfig(cluster, tmp_path, exec=exec_cfg)
    out = cli("deploy", str(spec), "--kubeconfig", str(config), "--results", str(tmp_path / "r"), timeout=30,
              env={"AI_DEPLOY_CI_EXEC_TIMEOUT": "2"})
    assert_cluster_error(out, "cred-plugin", "did not answer within 2s")


def test_a_failing_exec_plugin_stops_with_its_stderr(cluster: ApiServerHandle, tmp_path: Path) -> None:
    spec = deploy_yaml(tmp_path / "deploy.yaml", "default", "2.0.0", [{"setWeight": 50}])
    body = "echo 'error: SSO session expired, run aws sso login' >&2; exit 255"
    exec_cfg = {"apiVersion": "client.authentication.k8s.io/v1", "command": str(plugin(tmp_path, body))}
    config = kubeconfig(cluster, tmp_path, exec=exec_cfg)
    out = cli("deploy", str(spec), "--kubeconfig", str(config), "--results", str(tmp_path / "r"))
    assert_cluster_error(out, "cred-plugin", "SSO session expired")


def test_a_working_exec_plugin_still_authenticates(cluster: ApiServerHandle, tmp_path: Path) -> None:
    spec = deploy_yaml(tmp_path / "deploy.yaml", "default", "2.0.0", [{"setWeight": 50}])
    cred = ('{"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", '
            f'"status": {{"token": "{cluster.token}"}}}}')
    exec_cfg = {"apiVersion": "client.authentication.k8s.io/v1",
                "command": str(plugin(tmp_path, f"echo '{cred}'"))}
    out = cli("plan", str(spec), "--kubeconfig", str(kubeconfig(cluster, tmp_path, exec=exec_cfg)))
    assert out.returncode == 0, out.stderr[-1500:]


def test_plan_into_a_closed_pipe_is_141_without_a_traceback(tmp_path: Path) -> None:
    spec = deploy_yaml(tmp_path / "deploy.yaml", "default", "2.0.0", [{"setWeight": 50}])
    proc = subprocess.Popen([sys.executable, "-m", "ai_deploy_ci", "plan", str(spec)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # `| head` that has read enough
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141 and "Traceback" not in err and "internal error" not in err, err
