"""The step actions in separate jobs: load-test uploads its results, report downloads them.

Two jobs under act on one runner share its artifact store, as two jobs of one workflow run
share GitHub's. No cluster: the load test targets two sample model servers directly.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.action_runner.act import ActRunner
from tests.support.fixtures_actions import REPO_ROOT, quick_spec

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_load_test_job_then_report_job_via_artifacts(
        act_runner_factory: Callable[..., ActRunner], model_server_factory: Callable[..., Any],
        tmp_path: Path) -> None:
    from tests.support.github_api import start_github_api

    baseline = model_server_factory(model_version="v1")
    candidate = model_server_factory(model_version="v2-slow", extra_latency_ms=60)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "deploy.yaml").write_text(yaml.safe_dump(quick_spec("v2-slow", 60), sort_keys=False))
    with start_github_api() as github:
        event = {"number": 9, "pull_request": {"number": 9, "head": {"sha": "c" * 40,
                                                                   "repo": {"full_name": "acme/models"}}}}
        runner = act_runner_factory(workspace, token=github.write_token, event_name="pull_request",
                                    event=event, repository="acme/models", api_url=github.url)
        load = runner.run_action(REPO_ROOT / "actions" / "load-test", {
            "baseline-url": baseline.url, "candidate-url": candidate.url, "duration": "10s",
            "upload-artifact": "load-results"})
        assert load.outcome == "failure", load.text[-2000:]  # a FAIL verdict fails the job ...
        assert load.outputs["verdict"] == "FAIL", load.text[-3000:]
        assert (runner.artifact_dir / "load-results" / "verdict.json").is_file()  # ... but results are kept
        assert not (workspace / "ai-deploy-ci-results").exists()  # the next job starts from a clean checkout
        report = runner.run_action(REPO_ROOT / "actions" / "report", {"download-artifact": "load-results"})
        assert report.ok, report.text[-2000:]
        assert report.outputs["verdict"] == "FAIL"
        [comment] = github.comments("acme/models", 9)
        assert "p95-latency" in comment["body"]
