"""The stand-in itself behaves like GitHub where the report depends on it."""

from __future__ import annotations

import requests

from ai_deploy_ci.report.github import deployments
from ai_deploy_ci.report.github.client import GitHubClient, RetryPolicy
from tests.support.github_api import GitHubApi

REPO = "acme/models"


def get(api: GitHubApi, path: str, token: str | None = None, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token or api.write_token}"}
    return requests.get(api.url + path, headers=headers, params=params, timeout=5)


def test_link_header_has_next_last_prev_first(github_api: GitHubApi) -> None:
    for i in range(250):
        github_api.add_comment(REPO, 3, f"c{i}")
    middle = get(github_api, f"/repos/{REPO}/issues/3/comments", per_page="100", page="2")
    assert len(middle.json()) == 100
    assert set(middle.links) == {"next", "last", "prev", "first"}
    assert middle.links["last"]["url"].endswith("page=3")
    last = get(github_api, f"/repos/{REPO}/issues/3/comments", per_page="100", page="3")
    assert len(last.json()) == 50 and "next" not in last.links


def test_bad_credentials_and_read_only_writes(github_api: GitHubApi) -> None:
    assert get(github_api, "/user", token="nope").status_code == 401
    r = requests.post(
        f"{github_api.url}/repos/{REPO}/issues/3/comments",
        json={"body": "x"},
        timeout=5,
        headers={"Authorization": f"Bearer {github_api.read_token}"},
    )
    assert r.status_code == 403 and r.json()["message"] == "Resource not accessible by integration"
    assert get(github_api, "/user").status_code == 403  # installation tokens cannot read /user
    assert get(github_api, "/user", token=github_api.pat_token).json()["login"] == "deploy-bot"


def test_comment_body_limit_is_enforced(github_api: GitHubApi) -> None:
    r = requests.post(
        f"{github_api.url}/repos/{REPO}/issues/3/comments",
        json={"body": "x" * 65_537},
        headers={"Authorization": f"Bearer {github_api.write_token}"},
        timeout=5,
    )
    assert r.status_code == 422 and r.json()["message"] == "Validation Failed"


def test_request_log_records_token_labels_not_tokens(github_api: GitHubApi) -> None:
    get(github_api, "/user", token=github_api.pat_token)
    (entry,) = github_api.requests
    assert (entry.method, entry.path, entry.status, entry.token) == ("GET", "/user", 200, "pat")


def test_deployment_statuses_in_order(github_api: GitHubApi) -> None:
    with GitHubClient(github_api.url, github_api.write_token, policy=RetryPolicy(write_interval=0)) as c:
        dep = deployments.create_deployment(c, REPO, ref="v1.0.0", environment="production", production=True)
        deployments.set_status(c, REPO, dep, "in_progress", environment="production")
        deployments.set_status(
            c,
            REPO,
            dep,
            "success",
            environment="production",
            environment_url="https://models.example.com",
            log_url="https://ci/run/1",
        )
        statuses = c.get_json(f"/repos/{REPO}/deployments/{dep}/statuses")
        listed = c.get_json(f"/repos/{REPO}/deployments", {"environment": "production"})
    assert [s["state"] for s in statuses] == ["success", "in_progress"]
    assert statuses[0]["environment_url"] == "https://models.example.com"
    assert statuses[0]["target_url"] == statuses[0]["log_url"] == "https://ci/run/1"
    assert [d["id"] for d in listed] == [dep] and listed[0]["production_environment"] is True


def test_rate_limit_headers_count_down(github_api: GitHubApi) -> None:
    a = get(github_api, f"/repos/{REPO}/issues/7/comments")
    b = get(github_api, f"/repos/{REPO}/issues/7/comments")
    assert int(a.headers["x-ratelimit-remaining"]) - 1 == int(b.headers["x-ratelimit-remaining"])
