"""Drive a Plan on a cluster: lock, preflight, snapshot, steps, gates, then promote or roll back.

`deploy`, `promote` and `rollback` are the entry points (commands and `commands/run.py` call
them). A gate is any callable `Gate = Callable[[GateRequest], Verdict]`, so the engine is tested
with scripted verdicts and the real load-and-judge gate is plugged in by `commands/run.py`.

Resumability: the plan, progress and pre-run snapshot live in the cluster (`cluster/state.py`),
written before the first change and after every step. A re-run for the same deploy.yaml resumes
at the first unfinished step (steps are desired states, so re-running a half-done one is safe);
a re-run for a different deploy.yaml first rolls the unfinished one back.

rollout.json is written for every outcome, including a run that stops before its first change
(lock held, preflight refused, cluster unreadable): outcome `not_started` with the stage, the
error's reason and fix, and the same exception (and exit code) raised as before.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ai_deploy_ci.cluster import preflight, snapshot, undo
from ai_deploy_ci.cluster import state as states
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.execute import run_step
from ai_deploy_ci.cluster.lock import Lock
from ai_deploy_ci.errors import ClusterError, LockHeld, RegressionDetected, UserError
from ai_deploy_ci.gates import Endpoint, Gate, GateRequest, no_analysis, request_for
from ai_deploy_ci.plan import records
from ai_deploy_ci.plan.model import ObjectRef, Plan
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.plan.registry import make_plan
from ai_deploy_ci.spec.model import Spec
from ai_deploy_ci.verdict import Verdict

__all__ = ["Endpoint", "Gate", "GateRequest", "Options", "Result", "deploy", "promote", "rollback"]


@dataclass
class Options:
    results_dir: Path = Path("results")
    time_scale: float = 1.0  # cluster seconds per wall second (the local API server's scaled clock)
    lock_seconds: int = 30
    poll: float = 0.2
    dry_run: bool = False
    manifest: dict[str, Any] | None = None  # the user's Deployment, already read
    on_event: Callable[[str], None] = print


@dataclass
class Result:
    record: records.RolloutRecord
    warnings: list[str] = field(default_factory=list)


def spec_key(spec: Spec) -> str:
    """Same deploy.yaml content → same key (the frozen dataclasses' repr is deterministic)."""
    return hashlib.sha256(repr(spec).encode()).hexdigest()[:16]


def deploy(
    spec: Spec, kube: Kube, run: RunInfo, gate: Gate = no_analysis, opts: Options | None = None
) -> Result:
    """Perform the strategy; returns the record, or raises after rolling back (exit codes 3/4)."""
    opts = opts or Options()
    ns, name = spec.metadata.namespace, spec.metadata.name
    with _not_started(spec, run, opts, "preflight"):
        preflight.check_namespace(kube, ns)  # before the Lease, the run's first write
    if opts.dry_run:  # the same path, stopped before the first write (the lock is a write)
        preview, notes = _prepare(kube, spec, run, opts)
        rec = records.start(preview, outcome="dry_run")
        records.write(opts.results_dir, rec)
        return Result(rec, notes)
    with _not_started(spec, run, opts, "lock"):
        lock = Lock(kube, ns, name, run.run_id, opts.lock_seconds).start()
    try:
        st = states.load(kube, ns, name)
        if st is not None and (st.phase == "rolling_back" or st.spec_key != spec_key(spec)):
            opts.on_event(f"finishing the rollback of unfinished run {st.plan.run_id} first")
            _roll_back(kube, spec, st, st.reason or "superseded by a new run", opts)
            st = None
        warnings: list[str] = []
        if st is None:
            plan, warnings = _prepare(kube, spec, run, opts)
            if not plan.steps:
                opts.on_event(f"{plan.name} already runs {plan.candidate_version}: nothing to do")
                rec = records.start(plan, outcome="promoted")
                records.write(opts.results_dir, rec)
                return Result(rec)
            with _not_started(spec, run, opts, "plan") as early:
                early.plan = plan
                st = states.RunState(
                    plan=plan,
                    snapshot=snapshot.capture(kube, plan.touches),
                    spec_key=spec_key(spec),
                    started=records.now(),
                )
                states.save(kube, st)  # the first write of the run: from here on, a crash can resume
        elif st.phase == "paused":
            return Result(_finish(st, "paused", opts, keep_state=True), warnings)
        return Result(_drive(kube, spec, st, gate, opts, lock), warnings)
    finally:
        lock.release()


def _prepare(kube: Kube, spec: Spec, run: RunInfo, opts: Options) -> tuple[Plan, list[str]]:
    """Observe once, plan (pure), preflight on (plan, observed): reads only. A real run and a dry
    run both come through here, so whatever a real run would refuse before writing, a dry run
    refuses too (a missing namespace, a missing permission, too few GPUs)."""
    with _not_started(spec, run, opts, "plan") as early:
        observed = observe(kube, spec, run, opts.manifest)
        plan = early.plan = make_plan(spec, observed)
        if not plan.steps:
            return plan, []
        early.stage = "preflight"
        report = preflight.run(
            kube, plan, gpus_per_pod=spec.server.resources.gpus, current_pods=_current_pods(observed)
        )
        return plan, report.warnings


def promote(
    spec: Spec, kube: Kube, run: RunInfo, gate: Gate = no_analysis, opts: Options | None = None
) -> Result:
    """Continue a run paused for approval (`pause: {}`), to the end."""
    opts = opts or Options()
    preflight.check_namespace(kube, spec.metadata.namespace)
    lock = Lock(kube, spec.metadata.namespace, spec.metadata.name, run.run_id, opts.lock_seconds).start()
    try:
        st = states.load(kube, spec.metadata.namespace, spec.metadata.name)
        if st is None or st.phase != "paused":
            raise ClusterError(
                f"no paused rollout of {spec.metadata.name} to promote",
                fix="run `ai-deploy-ci deploy` first; promote continues a run paused for approval",
            )
        st.phase = "running"
        return Result(_drive(kube, spec, st, gate, opts, lock))
    finally:
        lock.release()


def rollback(
    spec: Spec, kube: Kube, run: RunInfo, opts: Options | None = None, reason: str = "rollback requested"
) -> Result:
    """Return the cluster to the unfinished run's pre-run snapshot (approval gate: reject)."""
    opts = opts or Options()
    preflight.check_namespace(kube, spec.metadata.namespace)
    lock = Lock(kube, spec.metadata.namespace, spec.metadata.name, run.run_id, opts.lock_seconds).start()
    try:
        st = states.load(kube, spec.metadata.namespace, spec.metadata.name)
        if st is None:
            raise ClusterError(
                f"no unfinished rollout of {spec.metadata.name} to roll back",
                fix="nothing to do: the last run ended promoted or rolled back",
            )
        return Result(_roll_back(kube, spec, st, reason, opts))
    finally:
        lock.release()


def observe(kube: Kube, spec: Spec, run: RunInfo, manifest: dict[str, Any] | None = None) -> ObservedState:
    """What a plan starts from (read only): the stable Deployment and the HPA scaling it. `deploy`
    and `ai-deploy-ci plan` both plan from this, so the preview shows the counts a run uses."""
    stable = kube.get(ObjectRef("apps/v1", "Deployment", spec.metadata.namespace, spec.metadata.name))
    hpa = preflight.stable_hpa(kube, spec.metadata.namespace, spec.metadata.name) if stable else None
    return ObservedState(run=run, stable=stable, manifest=manifest, hpa=hpa)


def _drive(
    kube: Kube, spec: Spec, st: states.RunState, gate: Gate, opts: Options, lock: Lock
) -> records.RolloutRecord:
    plan = st.plan
    gates_seen = sum(1 for s in plan.steps[: st.done] if s.is_gate)
    for index in range(st.done, len(plan.steps)):
        step = plan.steps[index]
        if lock.lost.is_set():  # our lease expired and another run took it: that run owns the model now
            raise LockHeld(
                f"run {plan.run_id} lost its lease on {plan.name} before step {index + 1}",
                fix="lease renewals failed (API unreachable?); the run holding it now decides",
            )
        rec = records.step_start(index, step)
        opts.on_event(f"step {index + 1}/{len(plan.steps)}: {step.description}")
        try:
            run_step(kube, plan.namespace, step, wait_timeout=_wait_timeout(spec, opts), poll=opts.poll)
            if step.pause is not None and math.isinf(step.pause):
                records.step_end(rec, "succeeded")
                st.records.append(dict(rec))
                st.done, st.phase = index + 1, "paused"
                states.save(kube, st)
                return _finish(st, "paused", opts, keep_state=True)
            if step.pause:
                time.sleep(step.pause / opts.time_scale)
            if step.is_gate:
                gates_seen += 1
                verdict = _judge(gate, request_for(kube, spec, plan, index, gates_seen, opts.results_dir))
                rec["verdict"] = str(verdict)
                if verdict is Verdict.FAIL or (
                    verdict is Verdict.INCONCLUSIVE and spec.rollback.on_inconclusive
                ):
                    records.step_end(rec, "failed")
                    st.records.append(dict(rec))
                    if not spec.rollback.on_failure and verdict is Verdict.FAIL:
                        st.phase = "paused"
                        states.save(kube, st)
                        _finish(st, "failed", opts, keep_state=True)
                        raise RegressionDetected(
                            f"analysis at step {index + 1} said {verdict}; not rolled back",
                            fix="run `ai-deploy-ci rollback` or `promote`",
                        )
                    _roll_back(kube, spec, st, f"analysis at step {index + 1}: {verdict}", opts)
                    raise RegressionDetected(
                        f"analysis at step {index + 1} said {verdict}; rolled back",
                        fix="see verdict.json and the report for the failing metrics",
                    )
        except ClusterError as exc:
            records.step_end(rec, "failed")
            st.records.append(dict(rec))
            _roll_back(kube, spec, st, f"step {index + 1} failed: {exc.message}", opts)
            raise ClusterError(f"{exc.message} (rolled back)", fix=exc.fix) from exc
        records.step_end(rec, "succeeded")
        st.records.append(dict(rec))
        st.done = index + 1
        states.save(kube, st)
    return _finish(st, "promoted", opts, keep_state=False, kube=kube)


def _roll_back(
    kube: Kube, spec: Spec, st: states.RunState, reason: str, opts: Options
) -> records.RolloutRecord:
    rb = undo.roll_back(
        kube, st, reason, wait_timeout=_wait_timeout(spec, opts), poll=opts.poll, on_event=opts.on_event
    )
    return _finish(st, "rolled_back", opts, keep_state=False, kube=kube, rollback=rb)


def _finish(
    st: states.RunState,
    outcome: str,
    opts: Options,
    *,
    keep_state: bool,
    kube: Kube | None = None,
    rollback: records.RollbackRecord | None = None,
) -> records.RolloutRecord:
    if not keep_state and kube is not None:
        states.clear(kube, st)
    rec = records.finish(st.plan, st.started, st.records, outcome, rollback)
    records.write(opts.results_dir, rec)
    return rec


def _judge(gate: Gate, request: GateRequest) -> Verdict:
    """A gate that crashes (load generator died, judge bug) fails its step: we cannot call it a pass."""
    try:
        return gate(request)
    except Exception as exc:
        raise GateError(
            f"gate {request.number} failed: {type(exc).__name__}: {exc}",
            fix=f"see {request.results_dir} for what the gate left",
        ) from exc


class GateError(ClusterError):
    """The gate itself failed; the run rolls back like any failed step."""


def _wait_timeout(spec: Spec, opts: Options) -> float:
    """The progress deadline in wall seconds, plus slack for the controller to report it."""
    return spec.strategy.progress_deadline_seconds / opts.time_scale * 1.5 + 5.0


def _current_pods(observed: ObservedState) -> int:
    """Stable's pods as the plan saw them: the same read its replica counts start from (with an
    HPA, `ai_deploy_ci.plan.replicas.run_total`), so the GPU preflight replays the plan's numbers."""
    stable = observed.stable
    if stable is None:
        return 0
    count = stable.get("spec", {}).get("replicas")
    return 1 if count is None else int(count)  # the API server's default


@dataclass
class _EarlyFailure:
    stage: str
    plan: Plan | None = None


@contextmanager
def _not_started(spec: Spec, run: RunInfo, opts: Options, stage: str) -> Iterator[_EarlyFailure]:
    """A UserError raised inside (lock held, preflight refused, the cluster unreadable) still
    leaves a rollout.json saying nothing was deployed and why, so `report` can explain it; the
    error itself propagates unchanged (same exit code)."""
    early = _EarlyFailure(stage)
    try:
        yield early
    except UserError as exc:
        try:
            plan = early.plan
            if plan is None:  # planned without reading the cluster: the identity fields only
                unread = ObservedState(run=run, manifest=opts.manifest)
                plan = replace(make_plan(spec, unread), baseline_version=None)
            rec = records.not_started(
                plan, early.stage, exc.message, fix=exc.fix, error=type(exc).__name__, exit_code=exc.exit_code
            )
            records.write(opts.results_dir, rec)
        except Exception as bug:  # never let the record hide the error that stopped the run
            opts.on_event(f"could not write rollout.json to {opts.results_dir}: {type(bug).__name__}: {bug}")
        raise
