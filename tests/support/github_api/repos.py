"""Deployments and deployment statuses (the only repository endpoints the client uses)."""

from __future__ import annotations

from tests.support.github_api.replies import Call, Result, invalid
from tests.support.github_api.state import public

STATUS_STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")


def create_deployment(c: Call) -> Result:
    b = c.body
    if not isinstance(b.get("ref"), str) or not b["ref"]:
        raise invalid("Deployment", "ref")
    environment = b.get("environment", "production")
    dep = c.st.add_deployment(c.repo, b["ref"], environment, creator=c.info.login if c.info else "?",
                              creator_type=c.info.user_type if c.info else "Bot", api=c.base,
                              task=b.get("task", "deploy"), description=b.get("description", ""),
                              payload=b.get("payload", {}),
                              transient=bool(b.get("transient_environment", False)),
                              # GitHub's default: true for an environment named production
                              production=bool(b.get("production_environment", environment == "production")))
    return 201, public(dep), {}


def list_deployments(c: Call) -> Result:
    with c.st.lock:
        deps = [d for d in c.st.deployments.values() if d["_repo"] == c.repo]
    for key in ("ref", "task", "environment", "sha"):  # GitHub's filters
        if key in c.query:
            deps = [d for d in deps if d[key] == c.query[key]]
    return c.page(sorted(deps, key=lambda d: -d["id"]))


def create_status(c: Call) -> Result:
    dep = c.owned(c.st.deployments)
    b = c.body
    if b.get("state") not in STATUS_STATES:
        raise invalid("DeploymentStatus", "state", "invalid")
    assert c.info is not None
    status = c.st.add_status(dep, b["state"], c.info.login, c.info.user_type, api=c.base,
                             description=b.get("description", ""),
                             environment=b.get("environment", dep["environment"]),
                             environment_url=b.get("environment_url", ""),
                             log_url=b.get("log_url") or b.get("target_url") or "")
    return 201, status, {}


def list_statuses(c: Call) -> Result:
    dep = c.owned(c.st.deployments)
    return c.page(list(c.st.statuses[dep["id"]]))
