"""publish() end to end against the stand-in, per kind of run; the CLI in a subprocess for leaks."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ai_deploy_ci.report.github.client import GitHubError, RetryPolicy
from ai_deploy_ci.report.github.publish import publish
from tests.support.github_api import GitHubApi
from tests.unit.report.checks import check_markdown, parse

DATA = Path(__file__).resolve().parents[2] / "data" / "results"
ROOT = Path(__file__).resolve().parents[3]
REPO = "acme/models"
FAST = RetryPolicy(write_interval=0)


def run(results: Path, env: dict[str, str], sleep: Any = lambda s: None) -> tuple[Any, str]:
    out = io.StringIO()
    return publish(results, env=env, out=out, sleep=sleep, policy=FAST), out.getvalue()


def test_pull_request_gets_comment_summary_outputs_annotations(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path
) -> None:
    env = actions_env(pr=7)
    result, out = run(results, env)
    assert result.comment.action == "created" and result.warnings == []
    body = github_api.comments(REPO, 7)[0]["body"]
    assert body.startswith("<!-- ai-deploy-ci:staging -->\n## ❌ Rolled back")
    assert check_markdown(body)["tables"] == 6  # the marker does not swallow the heading
    assert any(t.type == "heading_open" for t in parse(body)[:3])
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("## ❌ Rolled back") and "<!-- ai-deploy-ci" not in summary
    outputs = Path(env["GITHUB_OUTPUT"]).read_text()
    assert "verdict=FAIL\n" in outputs and f"comment-id={result.comment.id}\n" in outputs
    assert "::error file=deploy.yaml,line=31," in out
    assert (results / "report.md").read_text() == result.markdown
    assert "<table>" in (results / "report.html").read_text()


def test_second_run_updates_the_same_comment(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path
) -> None:
    run(results, actions_env(pr=7))
    shutil.copytree(DATA / "pass", results, dirs_exist_ok=True)
    result, _ = run(results, actions_env(pr=7))
    assert result.comment.action == "updated"
    comments = github_api.comments(REPO, 7)
    assert len(comments) == 1 and "## ✅ Promoted" in comments[0]["body"]


def test_tag_push_is_summary_only_with_a_notice_and_a_deployment(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path
) -> None:
    env = actions_env(pr=None, event="push", ref="refs/tags/v2.4.0", payload={"ref": "refs/tags/v2.4.0"})
    env["AI_DEPLOY_CI_MODE"] = "release"
    result, out = run(results, env)
    assert result.comment is None and result.summary_written
    assert "::notice::no pull request for a push of tag v2.4.0" in out
    assert not any("comments" in r.path for r in github_api.requests)
    (dep,) = github_api.state.deployments.values()
    assert (dep["ref"], dep["environment"]) == ("v2.4.0", "staging")
    (status,) = github_api.state.statuses[dep["id"]]
    assert status["state"] == "failure" and status["log_url"].endswith("/actions/runs/987654321")


def test_workflow_dispatch_without_pr_calls_no_api(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path
) -> None:
    env = actions_env(pr=None, event="workflow_dispatch", payload={"inputs": {}})
    result, out = run(results, env)
    assert result.summary_written and "::notice::no pull request for a workflow_dispatch event" in out
    assert github_api.requests == []


def test_fork_pr_warns_and_keeps_the_summary(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path
) -> None:
    env = actions_env(pr=7, fork=True, token=github_api.read_token)
    result, out = run(results, env)
    assert result.comment is None and result.summary_written
    assert "::warning::not commenting on PR #7" in out and "workflow_run" in out
    assert github_api.requests == []


def test_read_only_token_on_a_same_repo_pr_degrades_to_a_warning(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path
) -> None:
    env = actions_env(pr=7, token=github_api.read_token)
    result, out = run(results, env)
    assert result.comment is None and result.summary_written
    assert "::warning::could not comment on PR #7" in out and "Resource not accessible by integration" in out
    assert [r.status for r in github_api.writes()] == [403]


def test_strict_mode_raises(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path
) -> None:
    env = {**actions_env(pr=7, token=github_api.read_token), "AI_DEPLOY_CI_REPORT_STRICT": "true"}
    with pytest.raises(GitHubError):
        run(results, env)


def test_rate_limited_and_flaky_api_still_posts(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path, no_sleep: Any
) -> None:
    github_api.secondary_limit(retry_after=5, method="POST")
    github_api.server_error(500, on_request=2)
    result, out = run(results, actions_env(pr=7), sleep=no_sleep)
    assert result.comment.action == "created" and no_sleep.calls == [1.0, 5.0]
    assert "rate limit on POST /repos/acme/models/issues/7/comments (retry-after)" in out


def _cli(results: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **env}
    return subprocess.run(
        [sys.executable, "-m", "ai_deploy_ci", "report", str(results)],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


@pytest.mark.parametrize("kind", ["write", "read-only"])
def test_cli_never_prints_the_token_and_exits_0(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path, kind: str
) -> None:
    token = github_api.write_token if kind == "write" else github_api.read_token
    env = actions_env(pr=7, token=token)
    github_api.secondary_limit(retry_after=0.1)  # makes the client log a retry line
    proc = _cli(results, env)
    assert proc.returncode == 0, proc.stderr
    lines = (proc.stdout + proc.stderr).splitlines()
    leaking = [line for line in lines if token in line]
    assert leaking == [f"::add-mask::{token}"]  # the runner hides the value from then on
    assert lines[0] == f"::add-mask::{token}", "mask before anything else is printed"
    assert "retrying in 0.1 s" in proc.stdout
    if kind == "read-only":
        assert "::warning::could not comment on PR #7" in proc.stdout
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        assert token not in Path(env[name]).read_text()
    assert token not in (results / "report.md").read_text()
    assert all(token not in repr(r) for r in github_api.requests)


def test_cli_outside_actions_prints_markdown(results: Path) -> None:
    proc = _cli(results, {})
    assert proc.returncode == 0 and proc.stdout.startswith("## ❌ Rolled back")


def test_a_report_too_long_for_a_comment_is_trimmed_not_rejected(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path
) -> None:
    import json

    verdict = json.loads((results / "verdict.json").read_text())
    verdict["checks"] = [dict(verdict["checks"][0], metric=f"metric {i} " + "x" * 60) for i in range(500)]
    (results / "verdict.json").write_text(json.dumps(verdict), encoding="utf-8")
    env = actions_env(pr=7)
    result, out = run(results, env)
    assert result.comment.action == "created"  # the stand-in answers 422 above 65,536 characters
    assert len(github_api.comments(REPO, 7)[0]["body"]) <= 65_536
    assert "::notice::the PR comment left out:" in out
    assert "metric 499" in Path(env["GITHUB_STEP_SUMMARY"]).read_text()


def test_release_deployment_goes_in_progress_then_success(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], tmp_path: Path
) -> None:
    from ai_deploy_ci.report.github.release import start_deployment

    env = actions_env(pr=None, event="push", ref="refs/tags/v2.4.0", payload={"ref": "refs/tags/v2.4.0"})
    env["AI_DEPLOY_CI_MODE"] = "release"
    env["AI_DEPLOY_CI_ENVIRONMENT_URL"] = "https://sentiment.example.com"
    out = io.StringIO()
    dep = start_deployment(env=env, out=out, policy=FAST)
    assert dep is not None and f"deployment-id={dep}\n" in Path(env["GITHUB_OUTPUT"]).read_text()
    results = tmp_path / "pass"
    shutil.copytree(DATA / "pass", results)
    result, _ = run(results, {**env, "AI_DEPLOY_CI_DEPLOYMENT_ID": str(dep)})
    assert result.deployment_id == dep and len(github_api.state.deployments) == 1
    states = [(s["state"], s["environment_url"]) for s in github_api.state.statuses[dep]]
    assert states == [
        ("success", "https://sentiment.example.com"),
        ("in_progress", "https://sentiment.example.com"),
    ]


def test_start_deployment_is_a_no_op_outside_release_mode(
    github_api: GitHubApi, actions_env: Callable[..., dict[str, str]]
) -> None:
    from ai_deploy_ci.report.github.release import start_deployment

    assert start_deployment(env=actions_env(pr=7), out=io.StringIO(), policy=FAST) is None
    assert github_api.requests == []
