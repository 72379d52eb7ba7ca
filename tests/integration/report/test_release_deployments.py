"""GitHub deployments for releases, as GitHub documents them (`mode` decides; one per release).

- `environment: production` on the job makes GitHub create a deployment when the job starts:
  our statuses must go to it, or every release shows twice on the environment page;
- without one, ours is made, `production_environment` true for production (GitHub's default);
- `mode: pr-check` records no deployment, even on a tag push; `mode: release` does, even
  without a tag (then for the commit), and posts `in_progress` when the rollout starts.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ai_deploy_ci.report.github.client import RetryPolicy
from ai_deploy_ci.report.github.publish import publish
from ai_deploy_ci.report.github.release import start_deployment
from tests.support.github_api import GitHubApi

DATA = Path(__file__).resolve().parents[2] / "data" / "results"
REPO = "acme/models"
FAST = RetryPolicy(write_interval=0)
TAG = "refs/tags/model-v2.0.0"


def release_env(actions_env: Callable[..., dict[str, str]], mode: str = "release",
                **kw: Any) -> dict[str, str]:
    kw.setdefault("ref", TAG)
    env = actions_env(pr=None, event="push", payload={"ref": kw["ref"]}, **kw)
    return {**env, "AI_DEPLOY_CI_MODE": mode, "AI_DEPLOY_CI_TARGET": "production"}


def whole_release(env: dict[str, str], tmp_path: Path) -> int | None:
    """What action.yml does: the start step, the rollout (a promoted one), the report step."""
    dep = start_deployment(env=env, out=io.StringIO(), policy=FAST)
    results = tmp_path / "pass"
    shutil.copytree(DATA / "pass", results)
    final = {**env, **({"AI_DEPLOY_CI_DEPLOYMENT_ID": str(dep)} if dep else {})}
    return publish(results, env=final, out=io.StringIO(), policy=FAST).deployment_id


def test_statuses_go_to_githubs_deployment_for_the_jobs_environment(
        github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], tmp_path: Path) -> None:
    env = release_env(actions_env)
    st = github_api.state
    other_run = st.add_deployment(REPO, "model-v1.9.0", "production", sha=env["GITHUB_SHA"])
    st.add_status(other_run, "success", log_url="https://github.com/acme/models/actions/runs/11/job/2")
    job = st.add_deployment(REPO, "model-v2.0.0", "production", sha=env["GITHUB_SHA"])  # by GitHub
    st.add_status(job, "in_progress",
                  log_url=f"https://github.com/acme/models/actions/runs/{env['GITHUB_RUN_ID']}/job/7")

    assert whole_release(env, tmp_path) == job["id"]
    assert len(st.deployments) == 2  # none of ours
    assert [s["state"] for s in st.statuses[job["id"]]] == ["success", "in_progress", "in_progress"]
    assert [s["state"] for s in st.statuses[other_run["id"]]] == ["success"]


def test_without_a_job_environment_ours_is_made_as_a_production_deployment(
        github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], tmp_path: Path) -> None:
    dep = whole_release(release_env(actions_env), tmp_path)
    (made,) = github_api.state.deployments.values()
    assert made["id"] == dep and made["ref"] == "model-v2.0.0" and made["production_environment"] is True
    assert [s["state"] for s in github_api.state.statuses[made["id"]]] == ["success", "in_progress"]


def test_pr_check_mode_on_a_tag_push_records_no_deployment(
        github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], tmp_path: Path) -> None:
    assert whole_release(release_env(actions_env, mode="pr-check"), tmp_path) is None
    assert github_api.state.deployments == {}
    assert not [r for r in github_api.writes() if "/deployments" in r.path]


def test_release_mode_without_a_tag_deploys_the_commit(
        github_api: GitHubApi, actions_env: Callable[..., dict[str, str]], tmp_path: Path) -> None:
    env = release_env(actions_env, ref="refs/heads/main")
    whole_release(env, tmp_path)
    (made,) = github_api.state.deployments.values()
    assert made["ref"] == env["GITHUB_SHA"] and made["environment"] == "production"
