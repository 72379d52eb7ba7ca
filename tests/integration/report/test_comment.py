"""The sticky comment against the stand-in: one per PR and target, found across pages."""

from __future__ import annotations

from typing import Any

from ai_deploy_ci.report.github.client import GitHubClient, RetryPolicy
from ai_deploy_ci.report.github.comment import marker, unstamped, upsert_comment
from tests.support.github_api import BOT, GitHubApi

REPO = "acme/models"


def client(api: GitHubApi, token: str | None = None) -> GitHubClient:
    return GitHubClient(api.url, token or api.write_token, policy=RetryPolicy(write_interval=0))


def test_create_then_update_leaves_one_comment(github_api: GitHubApi) -> None:
    with client(github_api) as c:
        first = upsert_comment(c, REPO, 7, "report v1", target="staging")
        second = upsert_comment(c, REPO, 7, "report v2", target="staging")
    assert (first.action, second.action) == ("created", "updated") and first.id == second.id
    comments = github_api.comments(REPO, 7)
    assert len(comments) == 1
    assert unstamped(comments[0]["body"]) == f"{marker('staging')}\nreport v2"
    assert comments[0]["body"].endswith(" -->\n") and "<!-- ai-deploy-ci-write:" in comments[0]["body"]
    assert comments[0]["user"]["login"] == BOT


def test_unchanged_body_is_not_sent_again(github_api: GitHubApi) -> None:
    with client(github_api) as c:
        upsert_comment(c, REPO, 7, "same", target="staging")
        github_api.reset_log()
        result = upsert_comment(c, REPO, 7, "same", target="staging")
    assert result.action == "unchanged"
    assert github_api.writes() == []


def test_one_comment_per_target(github_api: GitHubApi) -> None:
    with client(github_api) as c:
        upsert_comment(c, REPO, 7, "staging report", target="staging")
        upsert_comment(c, REPO, 7, "prod report", target="production")
    assert len(github_api.comments(REPO, 7)) == 2


def test_lookup_across_250_comments_pages_through_three_pages(github_api: GitHubApi) -> None:
    for i in range(249):
        github_api.add_comment(REPO, 7, f"chatter {i}")
    github_api.add_comment(REPO, 7, f"{marker('staging')}\nold report", login=BOT, user_type="Bot")
    github_api.reset_log()
    with client(github_api) as c:
        result = upsert_comment(c, REPO, 7, "new report", target="staging")
    assert result.action == "updated"
    pages = [r for r in github_api.requests if r.method == "GET" and r.path.endswith("/issues/7/comments")]
    assert [r.query.get("page", "1") for r in pages] == ["1", "2", "3"]
    assert all(r.query["per_page"] == "100" for r in pages)
    assert len(github_api.comments(REPO, 7)) == 250


def test_a_human_quoting_the_marker_is_never_edited(github_api: GitHubApi) -> None:
    human = github_api.add_comment(REPO, 7, f"> {marker('staging')}\n> copied report\nLooks slow?")
    with client(github_api) as c:
        result = upsert_comment(c, REPO, 7, "report", target="staging")
    assert result.action == "created" and result.id != human
    assert github_api.comments(REPO, 7)[0]["body"].endswith("Looks slow?")


def test_a_personal_token_finds_comments_by_its_own_login(github_api: GitHubApi) -> None:
    github_api.add_comment(REPO, 7, f"{marker('staging')}\nby the bot", login=BOT, user_type="Bot")
    with client(github_api, github_api.pat_token) as c:
        result = upsert_comment(c, REPO, 7, "by the PAT user", target="staging")
    assert result.action == "created"
    logins: list[Any] = [c["user"]["login"] for c in github_api.comments(REPO, 7)]
    assert logins == [BOT, "deploy-bot"]


def test_delete_and_get_work_for_cleanup(github_api: GitHubApi) -> None:
    with client(github_api) as c:
        created = upsert_comment(c, REPO, 7, "x", target="staging")
        assert c.get_json(f"/repos/{REPO}/issues/comments/{created.id}")["id"] == created.id
        c.request("DELETE", f"/repos/{REPO}/issues/comments/{created.id}")
    assert github_api.comments(REPO, 7) == []


def test_an_app_token_keeps_one_comment_over_three_runs(github_api: GitHubApi) -> None:
    """An App's installation token: /user is 403 and it posts as `<app>[bot]`, not github-actions[bot]."""
    github_api.add_comment(REPO, 7, f"> {marker('staging')}\n> quoted by a human")
    for run in range(3):
        with client(github_api, github_api.app_token) as c:
            upsert_comment(c, REPO, 7, f"report of run {run}", target="staging")
    ours = [c for c in github_api.comments(REPO, 7) if c["user"]["login"] == github_api.state.app_login]
    assert len(ours) == 1 and "report of run 2" in ours[0]["body"]
    assert len(github_api.comments(REPO, 7)) == 2  # the human's quote untouched


def test_an_explicit_comment_author_is_used_as_given(github_api: GitHubApi) -> None:
    github_api.add_comment(REPO, 7, f"{marker('staging')}\nanother bot's", login="other[bot]",
                           user_type="Bot")
    with client(github_api, github_api.app_token) as c:
        for run in range(2):
            upsert_comment(c, REPO, 7, f"run {run}", target="staging", author=github_api.state.app_login)
    logins = [c["user"]["login"] for c in github_api.comments(REPO, 7)]
    assert logins == ["other[bot]", github_api.state.app_login]
