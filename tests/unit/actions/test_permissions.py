"""Least privilege in what users copy: write scopes are granted per job, never workflow-wide.

A workflow-level `pull-requests: write` gives every job (and every third-party action in it)
the right to write on pull requests; GitHub's hardening guide grants it to the job that needs it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = sorted((ROOT / "examples" / "workflows").glob("*.yml"))


def readme_snippets() -> list[dict[str, Any]]:
    text = (ROOT / "README.md").read_text()
    docs = [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    return [d for d in docs if isinstance(d, dict) and "jobs" in d]


def _writes(perms: Any) -> set[str]:
    if perms == "write-all":
        return {"*"}
    return {k for k, v in (perms or {}).items() if v == "write"} if isinstance(perms, dict) else set()


CASES = [(p.name, yaml.safe_load(p.read_text())) for p in WORKFLOWS] + [
    (f"README.md snippet {i}", d) for i, d in enumerate(readme_snippets())]


@pytest.mark.parametrize("name, doc", CASES, ids=[c[0] for c in CASES])
def test_write_permissions_are_granted_per_job(name: str, doc: dict[str, Any]) -> None:
    assert _writes(doc.get("permissions")) == set(), f"{name}: workflow-wide write permissions"
    assert "permissions" in doc, f"{name}: no workflow-level default (GitHub's default may be write-all)"


def test_the_jobs_that_comment_have_pull_requests_write() -> None:
    for name, doc in CASES:
        for job_id, job in doc["jobs"].items():
            uses = [str(s.get("uses", "")) for s in job.get("steps", [])]
            comments = any(u.startswith("ai-deploy-ci/ai-deploy-ci@") or "/actions/report@" in u
                           for u in uses)
            mode = next((s.get("with", {}).get("mode") for s in job.get("steps", []) if "with" in s
                         and "mode" in s.get("with", {})), "pr-check")
            if comments and mode == "pr-check":
                assert "pull-requests" in _writes(job.get("permissions")), f"{name}: job {job_id}"
