"""rollout.json for a run that changed nothing: the lock was held, preflight refused, the cluster
could not be read, or a signal came first. `report` then explains why nothing was deployed
instead of saying "no results"; the error itself propagates unchanged (same exit code)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Literal

from ai_deploy_ci.errors import UserError
from ai_deploy_ci.pipeline.cancel import RunCancelled
from ai_deploy_ci.pipeline.options import Options
from ai_deploy_ci.plan import records
from ai_deploy_ci.plan.model import Plan
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.plan.registry import make_plan
from ai_deploy_ci.spec.model import Spec


@dataclass
class EarlyFailure:
    stage: str
    plan: Plan | None = None


def _record(spec: Spec, run: RunInfo, opts: Options, plan: Plan | None, stage: str, exc: UserError,
            outcome: Literal["not_started", "cancelled"] = "not_started") -> None:
    """Write the record; never let a failure to write it hide the error that stopped the run."""
    try:
        if plan is None:  # planned without reading the cluster: the identity fields only
            unread = ObservedState(run=run, manifest=opts.manifest)
            plan = replace(make_plan(spec, unread), baseline_version=None)
        rec = records.not_started(plan, stage, exc.message, fix=exc.fix, error=type(exc).__name__,
                                  exit_code=exc.exit_code)
        rec["outcome"] = outcome
        records.write(opts.results_dir, rec)
    except Exception as bug:
        opts.on_event(f"could not write rollout.json to {opts.results_dir}: {type(bug).__name__}: {bug}")


@contextmanager
def not_started(spec: Spec, run: RunInfo, opts: Options, stage: str) -> Iterator[EarlyFailure]:
    """A UserError raised inside leaves a `not_started` rollout.json naming `stage` (which the
    block may update as it goes) and the error's reason and fix."""
    early = EarlyFailure(stage)
    try:
        yield early
    except UserError as exc:
        _record(spec, run, opts, early.plan, early.stage, exc)
        raise


def cancelled_early(spec: Spec, run: RunInfo, opts: Options, signum: int) -> RunCancelled:
    """A signal before the run changed anything (lock, plan, preflight): say so in rollout.json."""
    exc = RunCancelled(signum, "cancelled before the first change: nothing was deployed",
                       fix="nothing to undo; re-run the job to deploy")
    _record(spec, run, opts, None, "cancelled", exc, outcome="cancelled")
    return exc
