"""Lost answers to writes: GitHub saved the comment (or deployment) but answered 502, reset the
connection or timed out. The report must leave exactly one, neither zero nor two."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from ai_deploy_ci.report.github.client import RetryPolicy
from ai_deploy_ci.report.github.comment import marker, unstamped
from ai_deploy_ci.report.github.publish import publish
from tests.integration.report.test_publish import REPO, _cli
from tests.support.github_api import BOT, GitHubApi

CREATE = f"/repos/{REPO}/issues/7/comments"
Env = Callable[..., dict[str, str]]


def run(results: Path, env: dict[str, str], sleep: Any, **policy: Any) -> Any:
    """publish() in strict mode: any failure to post raises instead of becoming a warning."""
    strict = {**env, "AI_DEPLOY_CI_REPORT_STRICT": "true"}
    out = io.StringIO()
    return publish(results, env=strict, out=out, sleep=sleep, policy=RetryPolicy(write_interval=0, **policy))


def calls(api: GitHubApi, posts: int = 0) -> list[tuple[str, str, int]]:
    """The requests but `GET /user`, in the order they came; waits (5 s at most) until `posts`
    POSTs are logged, as one that times out is logged only when the stand-in gives up on it."""
    deadline = time.monotonic() + 5
    while sum(r.method == "POST" for r in api.requests) < posts and time.monotonic() < deadline:
        time.sleep(0.05)
    log = sorted(api.requests, key=lambda r: r.n)
    return [(r.method, r.path, r.status) for r in log if r.path != "/user"]


def the_comment(api: GitHubApi) -> dict[str, Any]:
    (comment,) = api.comments(REPO, 7)
    return comment


@pytest.mark.parametrize("lose", ["502", "reset", "timeout"])
def test_a_saved_comment_whose_answer_is_lost_is_not_posted_twice(
    github_api: GitHubApi, actions_env: Env, results: Path, no_sleep: Any, lose: str
) -> None:
    if lose == "502":
        github_api.server_error(502, method="POST", path_contains="/comments", saved=True)
    else:  # a reset at once, or after more silence than the client waits for
        github_api.connection_reset(method="POST", saved=True, after=1.0 if lose == "timeout" else 0)
    result = run(results, actions_env(pr=7), no_sleep, timeout=0.5)
    comment = the_comment(github_api)
    assert result.comment.action == "created" and result.comment.id == comment["id"]
    assert unstamped(comment["body"]) == result.comment_body.rstrip()
    assert "<!-- ai-deploy-ci-write:987654321-1-" in comment["body"]  # this run's write id
    lost = 502 if lose == "502" else 0
    assert calls(github_api, posts=1) == [("GET", CREATE, 200), ("POST", CREATE, lost), ("GET", CREATE, 200)]
    assert no_sleep.calls == [1.0]


@pytest.mark.parametrize("lose", ["502", "reset"])
def test_a_comment_that_was_not_saved_is_posted_again(
    github_api: GitHubApi, actions_env: Env, results: Path, no_sleep: Any, lose: str
) -> None:
    if lose == "502":
        github_api.server_error(502, method="POST")
    else:
        github_api.connection_reset(method="POST")
    result = run(results, actions_env(pr=7), no_sleep)
    comment = the_comment(github_api)
    assert result.comment.action == "created" and result.comment.id == comment["id"]
    lost = 502 if lose == "502" else 0
    assert calls(github_api) == [
        ("GET", CREATE, 200),
        ("POST", CREATE, lost),
        ("GET", CREATE, 200),  # not there: send it again
        ("POST", CREATE, 201),
        ("GET", CREATE, 200),  # a late original would show up now
    ]


def test_the_cli_exits_0_with_one_comment_after_a_saved_502(
    github_api: GitHubApi, actions_env: Env, results: Path
) -> None:
    github_api.server_error(502, method="POST", saved=True)
    proc = _cli(results, {**actions_env(pr=7), "AI_DEPLOY_CI_REPORT_STRICT": "true"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "had been saved; not sending it again" in proc.stdout
    assert "## ❌ Rolled back" in the_comment(github_api)["body"]


def test_duplicates_converge_to_the_oldest_with_the_new_body(
    github_api: GitHubApi, actions_env: Env, results: Path, no_sleep: Any
) -> None:
    mark = marker("staging")
    older = github_api.add_comment(REPO, 7, f"{mark}\nold report", login=BOT, user_type="Bot")
    github_api.add_comment(REPO, 7, "chatter")
    github_api.add_comment(REPO, 7, f"{mark}\nolder version's duplicate", login=BOT, user_type="Bot")
    quoted = github_api.add_comment(REPO, 7, f"> {mark}\n> quoted by a human")
    result = run(results, actions_env(pr=7), no_sleep)
    assert (result.comment.action, result.comment.id) == ("updated", older)
    ours = [c for c in github_api.comments(REPO, 7) if c["user"]["login"] == BOT]
    assert [c["id"] for c in ours] == [older]
    assert unstamped(ours[0]["body"]) == result.comment_body.rstrip()
    assert [c["body"] for c in github_api.comments(REPO, 7) if c["id"] != older] == [
        "chatter",
        f"> {mark}\n> quoted by a human",
    ]
    assert quoted in {c["id"] for c in github_api.comments(REPO, 7)}
    again = run(results, actions_env(pr=7), no_sleep)  # the next run: nothing left to do
    assert (again.comment.action, again.comment.id) == ("unchanged", older)


def tag_env(actions_env: Env) -> dict[str, str]:
    env = actions_env(pr=None, event="push", ref="refs/tags/v2.4.0", payload={"ref": "refs/tags/v2.4.0"})
    return {**env, "AI_DEPLOY_CI_MODE": "release"}


@pytest.mark.parametrize("saved", [True, False], ids=["saved", "not-saved"])
def test_a_deployment_whose_answer_is_lost_is_made_once(
    github_api: GitHubApi, actions_env: Env, results: Path, no_sleep: Any, saved: bool
) -> None:
    github_api.server_error(502, method="POST", path_contains="/deployments", saved=saved)
    result = run(results, tag_env(actions_env), no_sleep)
    (dep,) = github_api.state.deployments.values()
    assert result.deployment_id == dep["id"] and dep["payload"]["ai_deploy_ci_write"]
    assert [s["state"] for s in github_api.state.statuses[dep["id"]]] == ["failure"]
    posts = [r.status for r in github_api.requests if r.method == "POST" and r.path.endswith("/deployments")]
    assert posts == ([502] if saved else [502, 201])
    (lookup, *_) = [r for r in github_api.requests
                    if r.method == "GET" and r.path.endswith("/deployments") and "ref" in r.query]
    assert lookup.query == {"ref": "v2.4.0", "environment": "staging", "task": "deploy", "per_page": "100"}


def test_a_deployment_status_is_simply_sent_again(
    github_api: GitHubApi, actions_env: Env, results: Path, no_sleep: Any
) -> None:
    github_api.server_error(502, method="POST", path_contains="/statuses", saved=True)
    result = run(results, tag_env(actions_env), no_sleep)
    statuses = github_api.state.statuses[result.deployment_id]
    assert [s["state"] for s in statuses] == ["failure", "failure"]  # the harmless duplicate


def test_the_stand_in_saves_then_resets(github_api: GitHubApi) -> None:
    github_api.connection_reset(method="POST", saved=True)
    with pytest.raises(requests.ConnectionError):
        requests.post(
            github_api.url + CREATE,
            json={"body": "x"},
            headers={"Authorization": f"Bearer {github_api.write_token}"},
            timeout=5,
        )
    assert [c["body"] for c in github_api.comments(REPO, 7)] == ["x"]
    assert [r.status for r in github_api.requests] == [0]
