"""GitHub Deployments on releases: the environment page shows what is live and whether it held.

Only `mode: release` records deployments (the mode decides, not whether a tag was pushed).
When the job itself declares `environment:`, GitHub has already made a deployment for it;
ours would show every release twice, so the statuses go to GitHub's (`job_deployment`: the
deployment of this commit and environment whose statuses link this workflow run). Otherwise a
deployment is created for the release ref (the tag, else the commit) and the target's
environment, `production_environment` true for `production` as GitHub's own default. Its
statuses follow the run: `in_progress` when the rollout starts, then `success` (promoted) or
`failure` (rolled back / failed). `environment_url` points at the model's public URL when
known and `log_url` at the workflow run.

Lost answers: creating a deployment is not repeated blindly (a second one would show the
release twice); its `payload` carries a write id, and after a 5xx, timeout or reset the
deployments of that ref and environment are listed to find it before it is sent again. A
status is sent again freely: a duplicate is one more identical line in the deployment's
history, and the newest status (the state the environment shows) is the same.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from ai_deploy_ci.report.github.client import GitHubClient

WRITE_KEY = "ai_deploy_ci_write"  # the write id's key in a deployment's `payload`

State = Literal["queued", "in_progress", "success", "failure", "error", "inactive"]

OUTCOME_STATE: dict[str, State] = {
    "promoted": "success",
    "rolled_back": "failure",
    "cancelled": "failure",
    "failed": "error",
    "paused": "in_progress",
    "dry_run": "inactive",
}


def create_deployment(
    client: GitHubClient,
    repo: str,
    *,
    ref: str,
    environment: str,
    description: str = "ai-deploy-ci rollout",
    production: bool = False,
    write_id: str | None = None,
) -> int:
    """A deployment for `ref`; merge checks off because the run itself is the check.

    Made once even when an answer is lost: see the module's docstring."""
    write_id = write_id or uuid.uuid4().hex
    body = {
        "ref": ref,
        "environment": environment,
        "description": description[:140],
        "auto_merge": False,
        "required_contexts": [],
        "transient_environment": False,
        "production_environment": production,
        "task": "deploy",
        "payload": {WRITE_KEY: write_id},
    }

    def made() -> dict[str, Any] | None:
        query = {"ref": ref, "environment": environment, "task": "deploy"}
        for dep in client.paginate(f"/repos/{repo}/deployments", query, max_pages=3):  # newest first
            payload = dep.get("payload") if isinstance(dep, dict) else None
            if isinstance(payload, dict) and payload.get(WRITE_KEY) == write_id:
                return dep
        return None

    return int(client.create(f"/repos/{repo}/deployments", body, find=made)["id"])


def is_production(environment: str) -> bool:
    """GitHub's default for `production_environment`: true for the environment named production."""
    return environment.strip().lower() == "production"


def job_deployment(client: GitHubClient, repo: str, *, sha: str, environment: str, run_id: str) -> int | None:
    """GitHub's own deployment for this job's `environment:`, or None when the job has none.

    GitHub creates it when the job starts, for the job's commit, and its statuses' `log_url`
    (or `target_url`) link the run: `…/actions/runs/<run id>/job/<job id>`. Ours (with a write
    id in the payload) are skipped."""
    query = {"sha": sha, "environment": environment}
    for dep in client.paginate(f"/repos/{repo}/deployments", query, max_pages=1):  # newest first
        payload = dep.get("payload") if isinstance(dep, dict) else None
        if not isinstance(dep, dict) or (isinstance(payload, dict) and WRITE_KEY in payload):
            continue
        for status in client.paginate(f"/repos/{repo}/deployments/{dep['id']}/statuses", max_pages=1):
            if not isinstance(status, dict):
                continue
            link = str(status.get("log_url") or status.get("target_url") or "")
            if f"/actions/runs/{run_id}/" in link + "/":
                return int(dep["id"])
    return None


def set_status(
    client: GitHubClient,
    repo: str,
    deployment_id: int,
    state: State,
    *,
    environment: str,
    environment_url: str | None = None,
    log_url: str | None = None,
    description: str = "",
) -> int:
    body: dict[str, object] = {"state": state, "environment": environment, "description": description[:140]}
    if environment_url:
        body["environment_url"] = environment_url
    if log_url:
        body["log_url"] = log_url
    path = f"/repos/{repo}/deployments/{deployment_id}/statuses"
    return int(client.post_json(path, body, repeatable=True)["id"])  # a duplicate status is harmless


def start_release(
    client: GitHubClient,
    repo: str,
    *,
    ref: str,
    environment: str,
    environment_url: str | None = None,
    log_url: str | None = None,
    deployment_id: int | None = None,
) -> int:
    """When a release rollout begins: status `in_progress` on `deployment_id` (the job's own,
    see `job_deployment`) or on a deployment made here; returns its id.

    The id travels to the final report as the `deployment-id` step output, passed back in
    `AI_DEPLOY_CI_DEPLOYMENT_ID`, so the environment shows one deployment per release.
    """
    dep = deployment_id or create_deployment(
        client, repo, ref=ref, environment=environment, description=f"ai-deploy-ci {ref}",
        production=is_production(environment),
    )
    set_status(
        client,
        repo,
        dep,
        "in_progress",
        environment=environment,
        environment_url=environment_url,
        log_url=log_url,
        description="rollout in progress",
    )
    return dep


def finish_release(
    client: GitHubClient,
    repo: str,
    *,
    ref: str,
    environment: str,
    outcome: str,
    deployment_id: int | None = None,
    environment_url: str | None = None,
    log_url: str | None = None,
) -> int:
    """The final status (`success` / `failure` / …) from the rollout outcome; creates the
    deployment first when no `start_release` ran (e.g. the report runs in its own job)."""
    dep = deployment_id or create_deployment(
        client, repo, ref=ref, environment=environment, description=f"ai-deploy-ci {ref}",
        production=is_production(environment),
    )
    state = OUTCOME_STATE.get(outcome, "error")
    set_status(
        client,
        repo,
        dep,
        state,
        environment=environment,
        environment_url=environment_url,
        log_url=log_url,
        description=(outcome or "no outcome recorded").replace("_", " "),
    )
    return dep
