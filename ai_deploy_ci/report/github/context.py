"""Where the report is running, read from the Actions environment (pure: env and event in).

Decides what publishing may do: a PR comment needs a PR number and a token that can write;
a fork PR's token is read-only; a tag push or a manual run has no PR at all. For
`workflow_run` (the pattern for fork PRs: an unprivileged workflow uploads the results, a
privileged one reports) the PR comes from the triggering run, or from
`AI_DEPLOY_CI_PR_NUMBER` when GitHub leaves `pull_requests` empty, as it does for forks.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ai_deploy_ci.report.inputs import RenderContext

PR_EVENTS = ("pull_request", "pull_request_target", "pull_request_review", "pull_request_review_comment")


@dataclass(frozen=True)
class GitHubContext:
    in_actions: bool
    event_name: str | None
    repository: str | None  # "owner/name"
    server_url: str
    api_url: str
    run_id: str | None
    run_attempt: str | None
    sha: str | None
    ref: str | None
    pr_number: int | None
    is_fork: bool  # the PR's head lives in another repository: the token is read-only
    tag: str | None  # set on a push of refs/tags/…
    step_summary: Path | None
    output: Path | None
    workspace: Path | None

    @property
    def run_url(self) -> str | None:
        if not (self.repository and self.run_id):
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    def render_context(self, target: str = "staging", artifact_url: str | None = None) -> RenderContext:
        return RenderContext(
            run_url=self.run_url,
            artifact_url=artifact_url,
            target=target,
            commit=self.sha,
            repository=self.repository,
            server_url=self.server_url,
            # workflow_run: the artifacts come from the PR's own run, which a fork controls
            untrusted=self.event_name == "workflow_run",
        )


def read_event(path: str | None) -> dict[str, Any]:
    """The webhook payload at GITHUB_EVENT_PATH; empty when absent or unreadable."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def pull_request_of(
    event_name: str | None, event: Mapping[str, Any], repository: str | None
) -> tuple[int | None, bool]:
    """(PR number or None, whether its head is a fork) for the events we support."""
    if event_name in PR_EVENTS:
        pr = _dict(event.get("pull_request"))
        number = _int(pr.get("number")) or _int(event.get("number"))
        head_repo = _dict(_dict(pr.get("head")).get("repo"))
        head_name = head_repo.get("full_name")
        fork = bool(head_repo.get("fork")) or (
            bool(head_name) and bool(repository) and head_name != repository
        )
        # pull_request_target runs with the base repository's token: it can write even for forks.
        return number, fork and event_name != "pull_request_target"
    if event_name == "workflow_run":
        run = _dict(event.get("workflow_run"))
        prs = [p for p in run.get("pull_requests") or [] if isinstance(p, dict)]
        number = _int(prs[0].get("number")) if prs else None
        # The workflow_run workflow holds the base repository's token even when the PR is a fork.
        return number, False
    if event_name in ("issue_comment",):
        issue = _dict(event.get("issue"))
        return (_int(issue.get("number")) if issue.get("pull_request") else None), False
    return None, False


def from_env(env: Mapping[str, str]) -> GitHubContext:
    """Build the context from `env` (os.environ or a test's dict); never raises."""
    event_name = env.get("GITHUB_EVENT_NAME") or None
    repository = env.get("GITHUB_REPOSITORY") or None
    event = read_event(env.get("GITHUB_EVENT_PATH"))
    number, fork = pull_request_of(event_name, event, repository)
    override = _int(env.get("AI_DEPLOY_CI_PR_NUMBER", ""))
    if override:
        number = override
    ref = env.get("GITHUB_REF") or (event.get("ref") if isinstance(event.get("ref"), str) else None)
    tag = ref[len("refs/tags/") :] if ref and ref.startswith("refs/tags/") else None
    server = (env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/")
    api = (env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/")
    summary, output, workspace = (
        env.get(k) for k in ("GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT", "GITHUB_WORKSPACE")
    )
    sha = env.get("GITHUB_SHA") or None
    if event_name in PR_EVENTS:  # GITHUB_SHA is the merge commit there; reviewers know the head
        sha = _dict(_dict(event.get("pull_request")).get("head")).get("sha") or sha
    return GitHubContext(
        in_actions=env.get("GITHUB_ACTIONS") == "true",
        event_name=event_name,
        repository=repository,
        server_url=server,
        api_url=api,
        run_id=env.get("GITHUB_RUN_ID") or None,
        run_attempt=env.get("GITHUB_RUN_ATTEMPT") or None,
        sha=sha,
        ref=ref,
        pr_number=number,
        is_fork=fork,
        tag=tag,
        step_summary=Path(summary) if summary else None,
        output=Path(output) if output else None,
        workspace=Path(workspace) if workspace else None,
    )
