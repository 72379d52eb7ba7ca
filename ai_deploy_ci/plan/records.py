"""rollout.json (`ai_deploy_ci.artifacts.RolloutRecord`) from a plan and its progress. Pure but for
`write`, which puts the file into the results directory for the report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from ai_deploy_ci.artifacts import ROLLOUT_FILE, NotStartedRecord, RollbackRecord, RolloutRecord, StepRecord
from ai_deploy_ci.plan.model import Plan, Step

__all__ = [
    "RollbackRecord",
    "RolloutRecord",
    "finish",
    "not_started",
    "now",
    "rollback",
    "start",
    "step_end",
    "step_start",
    "write",
]


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def step_start(index: int, step: Step) -> StepRecord:
    rec: StepRecord = {
        "index": index,
        "kind": step.kind,
        "description": step.description,
        "started": now(),
        "status": "running",
    }
    if step.weight is not None:
        rec["weight"] = step.weight
    return rec


def step_end(rec: StepRecord, status: str) -> None:
    rec["ended"] = now()
    rec["status"] = status  # type: ignore[typeddict-item]


def rollback(
    reason: str, actions: list[str], seconds: float, *, restored: bool, writes: int
) -> RollbackRecord:
    return {
        "reason": reason,
        "actions": actions,
        "seconds_to_no_traffic": round(seconds, 3),
        "restored": restored,
        "writes_to_no_traffic": writes,
    }


def start(plan: Plan, outcome: str) -> RolloutRecord:
    return finish(plan, now(), [], outcome, None)


def not_started(
    plan: Plan, stage: str, reason: str, *, fix: str | None, error: str, exit_code: int
) -> RolloutRecord:
    """rollout.json for a run that changed nothing: the lock was held, preflight refused, or the
    cluster could not be read; `stage` says which, `reason`/`fix` are the error's own words."""
    rec = start(plan, outcome="not_started")
    why: dict[str, Any] = {"stage": stage, "reason": reason, "error": error, "exit_code": exit_code}
    if fix:
        why["fix"] = fix
    rec["not_started"] = cast(NotStartedRecord, why)
    return rec


def finish(
    plan: Plan, started: str, steps: list[Any], outcome: str, rb: RollbackRecord | None
) -> RolloutRecord:
    rec: dict[str, Any] = {
        "run_id": plan.run_id,
        "name": plan.name,
        "namespace": plan.namespace,
        "strategy": plan.strategy,
        "router": plan.router,
        "baseline_version": plan.baseline_version,
        "candidate_version": plan.candidate_version,
        "outcome": outcome,
        "started": started or now(),
        "ended": now(),
        "steps": list(steps),
    }
    if rb is not None:
        rec["rollback"] = rb
    commit = plan.annotations.get("ai-deploy-ci.io/commit-sha")
    if commit:
        rec["commit"] = commit
    pr = plan.annotations.get("ai-deploy-ci.io/pull-request")
    if pr:
        rec["pull_request"] = int(pr)
    return cast(RolloutRecord, rec)


def write(results_dir: Path, rec: RolloutRecord) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / ROLLOUT_FILE
    path.write_text(json.dumps(rec, indent=2) + "\n")
    return path
