"""examples/workflows/fork-comment.yml: the trusted workflow_run side comments from data only.

Runs under act (the reference runner) and under the home-made runner: both must agree, which is
what keeps the home-made runner honest for the tests only it can run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.fixtures_actions import REPO_ROOT
from tests.support.github_api import GitHubApi, start_github_api

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
WORKFLOW = REPO_ROOT / "examples" / "workflows" / "fork-comment.yml"
EVENT = {"workflow_run": {"id": 4242, "event": "pull_request", "pull_requests": []}}


def _runner(request: pytest.FixtureRequest, kind: str, github: GitHubApi, tmp_path: Path,
            number: str) -> Any:
    factory = request.getfixturevalue("act_runner_factory" if kind == "act" else "action_runner_factory")
    runner = factory(tmp_path / "ws", token=github.write_token, event_name="workflow_run", event=EVENT,
                     repository="acme/models", api_url=github.url)
    store = runner.artifact_dir if kind == "act" else runner.state.artifact_dir
    results = store / "ai-deploy-ci-results"  # what the untrusted run uploaded
    results.mkdir(parents=True)
    (results / "verdict.json").write_text(json.dumps({
        "verdict": "FAIL", "reason": "p95-latency: +48 % beyond the +10 % margin", "score": None, "blocks": 8,
        "decided_at_s": 40.0, "stopped_early": True, "checks": []}))
    (results / "rollout.json").write_text(json.dumps({
        "run_id": "1", "name": "demo", "namespace": "default", "strategy": "canary", "router": "gatewayAPI",
        "baseline_version": "v1", "candidate_version": "v2", "outcome": "rolled_back",
        "started": "2026-01-01T00:00:00Z", "ended": "2026-01-01T00:01:00Z", "steps": []}))
    (store / "pr-number").mkdir()
    (store / "pr-number" / "number").write_text(number)
    return runner


RUNNERS = ["act", "home-made"]


@pytest.mark.parametrize("kind", RUNNERS)
def test_comment_lands_on_the_pr_named_by_the_artifact(
        request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> None:
    with start_github_api() as github:
        result = _runner(request, kind, github, tmp_path, "12\n").run_job(WORKFLOW, "comment")
        assert result.ok, result.text[-3000:]
        [comment] = github.comments("acme/models", 12)
        assert "rolled back" in comment["body"].lower()
        assert "Reason (*fork-supplied*): p95-latency" in comment["body"]  # the fork's words, marked


@pytest.mark.parametrize("kind", RUNNERS)
def test_a_forged_pr_number_is_refused_before_anything_is_posted(
        request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> None:
    with start_github_api() as github:
        runner = _runner(request, kind, github, tmp_path, "12 && curl evil.example")
        result = runner.run_job(WORKFLOW, "comment")
        assert not result.ok
        assert "pr/number is not a number" in result.errors()
        assert github.writes() == []


def test_the_job_is_skipped_for_a_workflow_run_that_was_not_a_pull_request(
        act_runner_factory: Callable[..., Any], tmp_path: Path) -> None:
    with start_github_api() as github:
        runner = act_runner_factory(tmp_path / "ws", token=github.write_token, event_name="workflow_run",
                                    event={"workflow_run": {"id": 1, "event": "push"}}, api_url=github.url)
        assert runner.run_job(WORKFLOW, "comment").outcome == "skipped"
        assert github.writes() == []
