"""Our client and the GitHub stand-in against GitHub's REST description (`@octokit/openapi`).

Every test that uses the `github_api` fixture already has its traffic checked on teardown; this
file drives every operation the client uses once, says which, and shows that the check bites on
either side: a request GitHub would refuse, an answer GitHub would never send.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ai_deploy_ci.report.github import deployments
from ai_deploy_ci.report.github.client import GitHubClient, RetryPolicy
from ai_deploy_ci.report.github.comment import marker, upsert_comment
from ai_deploy_ci.report.github.publish import publish
from tests.support.github_api import BOT, GitHubApi
from tests.support.github_api.openapi import contract
from tests.support.github_api.state import LoggedRequest

DATA = Path(__file__).resolve().parents[2] / "data" / "results"
REPO = "acme/models"
FAST = RetryPolicy(write_interval=0)
CLIENT_OPERATIONS = {
    ("GET", "/user"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("GET", "/repos/{owner}/{repo}/deployments"),
    ("POST", "/repos/{owner}/{repo}/deployments"),
    ("POST", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
    ("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
}


def test_every_operation_the_client_uses_conforms_both_ways(
        github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], results: Path) -> None:
    publish(results, env=actions_env(pr=7, token=github_api.pat_token), out=io.StringIO(), policy=FAST)
    shutil.copytree(DATA / "pass", results, dirs_exist_ok=True)
    github_api.add_comment(REPO, 7, f"{marker('staging')}\nan older duplicate", login="deploy-bot")
    publish(results, env=actions_env(pr=7, token=github_api.pat_token), out=io.StringIO(), policy=FAST)
    with GitHubClient(github_api.url, github_api.write_token, policy=FAST) as c:
        upsert_comment(c, REPO, 8, "by the Actions token", target="staging")  # /user: 403, documented
        github_api.server_error(502, method="POST", path_contains="/deployments", saved=True)
        # the lost answer makes it list the deployments to find its own
        dep = deployments.start_release(c, REPO, ref="model-v2", environment="production",
                                        log_url="https://github.com/acme/models/actions/runs/1")
        deployments.finish_release(c, REPO, ref="model-v2", environment="production", outcome="promoted",
                                   deployment_id=dep)
        github_api.state.add_deployment(REPO, "model-v2", "production", sha="0" * 40)  # GitHub's, another run
        assert deployments.job_deployment(c, REPO, sha="0" * 40, environment="production", run_id="1") is None
    used = set()
    for request in github_api.requests:
        found = contract().operation(request.method, request.path)
        assert found is not None, request
        used.add((request.method, found[0]))
    assert used == CLIENT_OPERATIONS
    assert github_api.violations() == []


def _logged(method: str, path: str, status: int, body: object = None, response: object = None,
            **query: str) -> LoggedRequest:
    return LoggedRequest(1, method, path, dict(query), status, "write", body, 0.0, 0.0, response)


@pytest.mark.parametrize("request_, why", [
    (_logged("POST", f"/repos/{REPO}/deployments/5/statuses", 201, {"state": "done"}),
     "'done' is not one of"),
    (_logged("POST", f"/repos/{REPO}/deployments", 201, {"environment": "production"}),
     "'ref' is a required"),
    (_logged("GET", f"/repos/{REPO}/issues/7/comments", 200, response=[], per_page="100", pages="2"),
     "'pages' is not declared"),
    (_logged("GET", f"/repos/{REPO}/issues/7/comments", 200, response=[], per_page="all"),
     "'all' is not of type 'integer'"),
    (_logged("PUT", f"/repos/{REPO}/issues/comments/3", 200), "no such operation"),
], ids=["bad-status-state", "deployment-without-ref", "undeclared-query", "per-page-not-a-number",
        "no-such-op"])
def test_a_request_github_would_refuse_is_reported(request_: LoggedRequest, why: str) -> None:
    assert why in "\n".join(contract().check(request_))


def test_the_old_stand_in_comment_shape_is_reported() -> None:
    """What the stand-in answered before it was held to the description: no `url`, a 3-field user."""
    old = {"id": 1, "node_id": "IC_1", "body": "x", "user": {"login": BOT, "type": "Bot", "id": 1},
           "html_url": "https://github.com/acme/models/pull/7#issuecomment-1",
           "issue_url": "/repos/acme/models/issues/7", "created_at": "2026-01-01T00:00:00Z",
           "updated_at": "2026-01-01T00:00:00Z"}
    problems = "\n".join(contract().check(_logged("POST", f"/repos/{REPO}/issues/7/comments", 201,
                                                  {"body": "x"}, old)))
    assert "'url' is a required property" in problems and "'avatar_url' is a required property" in problems
