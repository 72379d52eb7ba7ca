"""A run that stops before its first change still writes rollout.json (outcome `not_started`, with
the stage, the error's reason and fix, and the exit code), so `ai-deploy-ci report` explains why
nothing was deployed instead of "no results". Exit codes stay as they were (5 lock, 3 preflight).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ai_deploy_ci import cli
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.lock import Lock
from ai_deploy_ci.errors import ClusterError, LockHeld
from ai_deploy_ci.gates import scripted
from ai_deploy_ci.pipeline import Options, deploy
from ai_deploy_ci.plan.observed import RunInfo
from tests.integration.engine.conftest import objects_in
from tests.integration.engine.scenarios import assert_restored, baseline


def _rollout(options: Options) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((options.results_dir / "rollout.json").read_text())
    return data


def _report(results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """What `ai-deploy-ci report DIR` renders (outside Actions: no publishing)."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    out = tmp_path / "report.md"
    assert cli.main(["report", str(results), "--no-post", "--markdown", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_lock_held_by_another_run(
    kube: Kube, namespace: str, options: Options, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec, _ = baseline(kube, namespace, options, "canary", "gatewayAPI")
    (options.results_dir / "rollout.json").unlink()  # the baseline's: this run must write its own
    other = Lock(kube, namespace, "sentiment", "run-other", duration=60)
    other.acquire()  # another workflow run is mid-rollout
    try:
        before = objects_in(kube, namespace)
        with pytest.raises(LockHeld) as err:
            deploy(spec, kube, RunInfo("run-2"), scripted(), options)
        assert err.value.exit_code == 5
        assert objects_in(kube, namespace) == before, "a refused run wrote something"
    finally:
        other.release()

    rec = _rollout(options)
    assert rec["outcome"] == "not_started" and rec["steps"] == []
    assert (rec["name"], rec["namespace"], rec["strategy"], rec["router"]) == (
        "sentiment",
        namespace,
        "canary",
        "gatewayAPI",
    )
    assert (rec["run_id"], rec["candidate_version"]) == ("run-2", "2.0.0")
    why = rec["not_started"]
    assert (why["stage"], why["error"], why["exit_code"]) == ("lock", "LockHeld", 5)
    assert why["reason"].startswith(f"run run-other is deploying sentiment in {namespace}")
    assert why["fix"].startswith("wait for that run to finish")

    text = _report(options.results_dir, tmp_path, monkeypatch)
    assert text.startswith("## ⛔ Not deployed: sentiment `2.0.0`")
    assert (
        f"**Nothing was deployed: another run holds the lock — run run-other is deploying sentiment in "
        f"{namespace}" in text
    )
    assert "**Fix:** wait for that run to finish" in text
    assert "no results" not in text.lower() and "not written" not in text


def test_gpu_shortage_at_preflight(
    kube: Kube, namespace: str, options: Options, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 2 nodes × 4 GPUs; stable runs 2 pods × 3 GPUs; blue/green needs 2 green pods + 1 surge pod × 3 GPUs
    spec, before = baseline(kube, namespace, options, "blueGreen", "service", gpus=3)
    with pytest.raises(ClusterError) as err:
        deploy(spec, kube, RunInfo("run-2"), scripted(), options)
    assert err.value.exit_code == 3
    assert_restored(kube, namespace, before)

    rec = _rollout(options)
    assert rec["outcome"] == "not_started" and rec["steps"] == []
    assert (rec["strategy"], rec["baseline_version"], rec["candidate_version"]) == (
        "blueGreen",
        "1.0.0",
        "2.0.0",
    )
    why = rec["not_started"]
    assert (why["stage"], why["error"], why["exit_code"]) == ("preflight", "ClusterError", 3)
    reason = "blueGreen needs 3 more pods × 3 nvidia.com/gpu = 9 GPUs at its peak, but only 2 are free"
    assert why["reason"].startswith(reason)
    assert "free GPUs" in why["fix"]

    text = _report(options.results_dir, tmp_path, monkeypatch)
    assert f"**Nothing was deployed: preflight failed — {reason} on schedulable nodes.**" in text
    assert "**Fix:** free GPUs, add GPU nodes" in text
    assert "`2.0.0` not deployed" in text
