"""Deployments, deployment statuses, check runs and `/rate_limit`."""

from __future__ import annotations

from tests.support.github_api.replies import Call, Result, invalid, now
from tests.support.github_api.state import public

STATUS_STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")


def create_deployment(c: Call) -> Result:
    b = c.body
    if not isinstance(b.get("ref"), str) or not b["ref"]:
        raise invalid("Deployment", "ref")
    did = c.st.new_id()
    dep = {
        "id": did,
        "ref": b["ref"],
        "sha": "0" * 40,
        "task": b.get("task", "deploy"),
        "environment": b.get("environment", "production"),
        "description": b.get("description"),
        "creator": {"login": c.info.login if c.info else "?"},
        "created_at": now(),
        "updated_at": now(),
        "statuses_url": f"{c.base}/repos/{c.repo}/deployments/{did}/statuses",
        "transient_environment": bool(b.get("transient_environment", False)),
        "production_environment": bool(b.get("production_environment", False)),
        "payload": b.get("payload", {}),
        "_repo": c.repo,
    }
    with c.st.lock:
        c.st.deployments[did] = dep
        c.st.statuses[did] = []
    return 201, public(dep), {}


def list_deployments(c: Call) -> Result:
    with c.st.lock:
        deps = [d for d in c.st.deployments.values() if d["_repo"] == c.repo]
    for key in ("ref", "task", "environment"):  # GitHub's filters (`sha` is not modelled)
        if key in c.query:
            deps = [d for d in deps if d[key] == c.query[key]]
    return c.page(sorted(deps, key=lambda d: -d["id"]))


def create_status(c: Call) -> Result:
    dep = c.owned(c.st.deployments)
    b = c.body
    if b.get("state") not in STATUS_STATES:
        raise invalid("DeploymentStatus", "state", "invalid")
    log_url = b.get("log_url") or b.get("target_url") or ""
    status = {
        "id": c.st.new_id(),
        "state": b["state"],
        "description": b.get("description", ""),
        "environment": b.get("environment", dep["environment"]),
        "environment_url": b.get("environment_url", ""),
        "log_url": log_url,
        "target_url": log_url,
        "created_at": now(),
        "deployment_url": f"{c.base}/repos/{c.repo}/deployments/{dep['id']}",
    }
    with c.st.lock:
        c.st.statuses[dep["id"]].insert(0, status)
    return 201, status, {}


def list_statuses(c: Call) -> Result:
    dep = c.owned(c.st.deployments)
    return c.page(list(c.st.statuses[dep["id"]]))


def create_check(c: Call) -> Result:
    b = c.body
    if not b.get("name") or not b.get("head_sha"):
        raise invalid("CheckRun", "name" if not b.get("name") else "head_sha")
    cid = c.st.new_id()
    run = {"id": cid, "status": "queued", "conclusion": None, **b, "_repo": c.repo}
    with c.st.lock:
        c.st.check_runs[cid] = run
    return 201, public(run), {}


def update_check(c: Call) -> Result:
    run = c.owned(c.st.check_runs)
    with c.st.lock:
        run.update(c.body)
    return 200, public(run), {}


def rate_limit(c: Call) -> Result:
    st = c.st
    core = {
        "limit": st.rate_limit,
        "remaining": st.remaining,
        "reset": int(st.reset_at),
        "used": st.rate_limit - st.remaining,
    }
    return 200, {"resources": {"core": core}, "rate": core}, {}
