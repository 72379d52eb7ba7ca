"""Which run is this? PR number, fork, tag — from GITHUB_* variables and the event payload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ai_deploy_ci.report.github.context import from_env

REPO = "acme/models"


def env_for(tmp_path: Path, event: str, payload: dict[str, Any], **extra: str) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_RUN_ID": "42",
        **extra,
    }


def pr(number: int, head_repo: str, fork: bool) -> dict[str, Any]:
    return {
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"sha": "c" * 40, "repo": {"full_name": head_repo, "fork": fork}},
        },
    }


CASES = [
    ("pull_request", pr(7, REPO, False), {}, (7, False, None)),
    ("pull_request", pr(8, "someone/models", True), {}, (8, True, None)),
    ("pull_request_target", pr(9, "someone/models", True), {}, (9, False, None)),
    ("push", {"ref": "refs/tags/v1.2.0"}, {"GITHUB_REF": "refs/tags/v1.2.0"}, (None, False, "v1.2.0")),
    ("push", {"ref": "refs/heads/main"}, {"GITHUB_REF": "refs/heads/main"}, (None, False, None)),
    ("workflow_dispatch", {"inputs": {"target": "staging"}}, {}, (None, False, None)),
    (
        "workflow_run",
        {
            "workflow_run": {
                "event": "pull_request",
                "pull_requests": [{"number": 11}],
                "head_repository": {"full_name": REPO},
            }
        },
        {},
        (11, False, None),
    ),
    # fork PRs: GitHub leaves pull_requests empty; the number comes from the uploaded artifact
    (
        "workflow_run",
        {
            "workflow_run": {
                "event": "pull_request",
                "pull_requests": [],
                "head_repository": {"full_name": "someone/models"},
            }
        },
        {"AI_DEPLOY_CI_PR_NUMBER": "12"},
        (12, False, None),
    ),
    ("issue_comment", {"issue": {"number": 13, "pull_request": {"url": "x"}}}, {}, (13, False, None)),
]


@pytest.mark.parametrize(
    ("event", "payload", "extra", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_events(
    tmp_path: Path,
    event: str,
    payload: dict[str, Any],
    extra: dict[str, str],
    expected: tuple[int | None, bool, str | None],
) -> None:
    ctx = from_env(env_for(tmp_path, event, payload, **extra))
    assert (ctx.pr_number, ctx.is_fork, ctx.tag) == expected
    assert ctx.run_url == "https://github.com/acme/models/actions/runs/42"


def test_pr_sha_is_the_head_not_the_merge_commit(tmp_path: Path) -> None:
    ctx = from_env(env_for(tmp_path, "pull_request", pr(7, REPO, False), GITHUB_SHA="m" * 40))
    assert ctx.sha == "c" * 40


def test_outside_actions_and_broken_event_file(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    ctx = from_env({"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(tmp_path / "bad.json")})
    assert not ctx.in_actions and ctx.pr_number is None and ctx.api_url == "https://api.github.com"
    assert from_env({}).run_url is None
