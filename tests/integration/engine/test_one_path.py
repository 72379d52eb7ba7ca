"""A dry run is the real run's path stopped before the first write (issue #11): whatever the real
run refuses before it writes, the dry run refuses too, with the same exit code and message.

The defect this guards: `run --dry-run` skipped the checks a real run meets on its way (the
namespace), reported success, and the real run then died with exit 70 on the Lease write.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from ai_deploy_ci import cli
from ai_deploy_ci.local.apiserver import ApiServerHandle
from tests.integration.engine.conftest import create_namespace, make_kube, objects_in
from tests.integration.engine.scenarios import deploy_yaml

STEPS: list[dict[str, Any]] = [{"setWeight": 50}, {"analysis": {"duration": "1s"}}]


def _run(path: Path, handle: ApiServerHandle, results: Path, *extra: str) -> int:
    return cli.main(["run", str(path), "--kubeconfig", str(handle.kubeconfig_path), "--results-dir",
                     str(results), "--no-report", "--time-scale", "50", *extra])


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real-run"])
def test_missing_namespace_is_refused_alike(
    engine_cluster: ApiServerHandle, tmp_path: Path, capsys: pytest.CaptureFixture[str], dry_run: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    path = deploy_yaml(tmp_path / "deploy.yaml", "no-such-namespace", "1.0.0", STEPS)
    code = _run(path, engine_cluster, tmp_path / "results", *(["--dry-run"] if dry_run else []))
    err = capsys.readouterr().err
    assert code == 3, err
    assert "namespace no-such-namespace does not exist" in err
    assert "kubectl create namespace no-such-namespace" in err
    rollout = json.loads((tmp_path / "results" / "rollout.json").read_text())
    assert rollout["outcome"] == "not_started" and rollout["not_started"]["stage"] == "preflight"


def test_dry_run_writes_nothing_and_previews_the_plan(
    engine_cluster: ApiServerHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    kube = make_kube(engine_cluster)
    create_namespace(kube, "one-path")
    before = objects_in(kube, "one-path")
    path = deploy_yaml(tmp_path / "deploy.yaml", "one-path", "1.0.0", STEPS)
    assert _run(path, engine_cluster, tmp_path / "results", "--dry-run") == 0
    assert objects_in(kube, "one-path") == before, "a dry run wrote something (the Lease counts)"
    leases = kube.raw("list leases", client.CoordinationV1Api(kube.api_client).list_namespaced_lease,
                      namespace="one-path")
    assert leases["items"] == [], "a dry run took the lock"
    rollout = json.loads((tmp_path / "results" / "rollout.json").read_text())
    assert (rollout["outcome"], rollout["candidate_version"], rollout["steps"]) == ("dry_run", "1.0.0", [])
