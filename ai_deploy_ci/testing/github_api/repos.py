"""Deployments, deployment statuses, check runs and `/rate_limit`."""

from __future__ import annotations

from typing import Any

from ai_deploy_ci.testing.github_api.replies import Result, error, invalid, now, page
from ai_deploy_ci.testing.github_api.state import GitHubApiState, TokenInfo, public

STATUS_STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")


def create_deployment(
    st: GitHubApiState,
    g: dict[str, str],
    q: dict[str, str],
    b: dict[str, Any],
    info: TokenInfo | None,
    base: str,
    path: str,
) -> Result:
    if not isinstance(b.get("ref"), str) or not b["ref"]:
        raise invalid("Deployment", "ref")
    did = st.new_id()
    dep = {
        "id": did,
        "ref": b["ref"],
        "sha": "0" * 40,
        "task": b.get("task", "deploy"),
        "environment": b.get("environment", "production"),
        "description": b.get("description"),
        "creator": {"login": info.login if info else "?"},
        "created_at": now(),
        "updated_at": now(),
        "statuses_url": f"{base}/repos/{g['repo']}/deployments/{did}/statuses",
        "transient_environment": bool(b.get("transient_environment", False)),
        "production_environment": bool(b.get("production_environment", False)),
        "_repo": g["repo"],
    }
    with st.lock:
        st.deployments[did] = dep
        st.statuses[did] = []
    return 201, public(dep), {}


def list_deployments(
    st: GitHubApiState,
    g: dict[str, str],
    q: dict[str, str],
    b: dict[str, Any],
    info: TokenInfo | None,
    base: str,
    path: str,
) -> Result:
    with st.lock:
        deps = [d for d in st.deployments.values() if d["_repo"] == g["repo"]]
    if "environment" in q:
        deps = [d for d in deps if d["environment"] == q["environment"]]
    return page(sorted(deps, key=lambda d: -d["id"]), base, path, q)


def _deployment(st: GitHubApiState, g: dict[str, str]) -> dict[str, Any]:
    with st.lock:
        dep = st.deployments.get(int(g["id"]))
    if dep is None or dep["_repo"] != g["repo"]:
        raise error(404, "Not Found")
    return dep


def create_status(
    st: GitHubApiState,
    g: dict[str, str],
    q: dict[str, str],
    b: dict[str, Any],
    info: TokenInfo | None,
    base: str,
    path: str,
) -> Result:
    dep = _deployment(st, g)
    if b.get("state") not in STATUS_STATES:
        raise invalid("DeploymentStatus", "state", "invalid")
    sid = st.new_id()
    log_url = b.get("log_url") or b.get("target_url") or ""
    status = {
        "id": sid,
        "state": b["state"],
        "description": b.get("description", ""),
        "environment": b.get("environment", dep["environment"]),
        "environment_url": b.get("environment_url", ""),
        "log_url": log_url,
        "target_url": log_url,
        "created_at": now(),
        "deployment_url": f"{base}/repos/{g['repo']}/deployments/{dep['id']}",
    }
    with st.lock:
        st.statuses[dep["id"]].insert(0, status)
    return 201, status, {}


def list_statuses(
    st: GitHubApiState,
    g: dict[str, str],
    q: dict[str, str],
    b: dict[str, Any],
    info: TokenInfo | None,
    base: str,
    path: str,
) -> Result:
    dep = _deployment(st, g)
    return page(list(st.statuses[dep["id"]]), base, path, q)


def create_check(
    st: GitHubApiState,
    g: dict[str, str],
    q: dict[str, str],
    b: dict[str, Any],
    info: TokenInfo | None,
    base: str,
    path: str,
) -> Result:
    if not b.get("name") or not b.get("head_sha"):
        raise invalid("CheckRun", "name" if not b.get("name") else "head_sha")
    cid = st.new_id()
    run = {"id": cid, "status": "queued", "conclusion": None, **b, "_repo": g["repo"]}
    with st.lock:
        st.check_runs[cid] = run
    return 201, public(run), {}


def update_check(
    st: GitHubApiState,
    g: dict[str, str],
    q: dict[str, str],
    b: dict[str, Any],
    info: TokenInfo | None,
    base: str,
    path: str,
) -> Result:
    with st.lock:
        run = st.check_runs.get(int(g["id"]))
        if run is None or run["_repo"] != g["repo"]:
            raise error(404, "Not Found")
        run.update(b)
    return 200, public(run), {}


def rate_limit(st: GitHubApiState, *_: Any) -> Result:
    core = {
        "limit": st.rate_limit,
        "remaining": st.remaining,
        "reset": int(st.reset_at),
        "used": st.rate_limit - st.remaining,
    }
    return 200, {"resources": {"core": core}, "rate": core}, {}
