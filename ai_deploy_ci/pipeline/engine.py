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

Cancellation (SIGINT/SIGTERM, `pipeline/cancel.py`): traffic off the candidate within the signal's
first second, then a full rollback under the lock, outcome `cancelled`, exit 128 + signal.
"""

from __future__ import annotations

import hashlib
import math
import signal
import time
from typing import Any

from ai_deploy_ci.cluster import preflight, snapshot, undo
from ai_deploy_ci.cluster import state as states
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.execute import run_step
from ai_deploy_ci.cluster.lock import Lock
from ai_deploy_ci.errors import ClusterError, LockHeld, NothingToPromote, RegressionDetected
from ai_deploy_ci.gates import Endpoint, Gate, GateRequest, no_analysis, request_for
from ai_deploy_ci.pipeline.cancel import Cancelled, Guard, RunCancelled
from ai_deploy_ci.pipeline.not_started import cancelled_early, not_started
from ai_deploy_ci.pipeline.options import Options, Result
from ai_deploy_ci.plan import records
from ai_deploy_ci.plan.model import ObjectRef, Plan
from ai_deploy_ci.plan.observed import ObservedState, RunInfo
from ai_deploy_ci.plan.registry import make_plan
from ai_deploy_ci.spec.model import Spec
from ai_deploy_ci.verdict import Verdict

__all__ = ["Endpoint", "Gate", "GateRequest", "Options", "Result", "deploy", "promote", "rollback"]


def spec_key(spec: Spec) -> str:
    """Same deploy.yaml content → same key (the frozen dataclasses' repr is deterministic)."""
    return hashlib.sha256(repr(spec).encode()).hexdigest()[:16]


def deploy(
    spec: Spec, kube: Kube, run: RunInfo, gate: Gate = no_analysis, opts: Options | None = None
) -> Result:
    """Perform the strategy; returns the record, or raises after rolling back (exit codes 3/4)."""
    opts = opts or Options()
    with not_started(spec, run, opts, "preflight"):
        preflight.check_namespace(kube, spec.metadata.namespace)  # before the Lease, the first write
    if opts.dry_run:  # the same path, stopped before the first write (the lock is a write)
        preview, notes = _prepare(kube, spec, run, opts)
        rec = records.start(preview, outcome="dry_run")
        records.write(opts.results_dir, rec)
        return Result(rec, notes)
    with Guard(opts.on_event) as guard:
        try:
            return _deploy(spec, kube, run, gate, opts, guard)
        except Cancelled as exc:  # before the run's first change: nothing to undo
            raise cancelled_early(spec, run, opts, exc.signum) from None


def _deploy(spec: Spec, kube: Kube, run: RunInfo, gate: Gate, opts: Options, guard: Guard) -> Result:
    ns, name = spec.metadata.namespace, spec.metadata.name
    with not_started(spec, run, opts, "lock"):
        lock = Lock(kube, ns, name, run.run_id, opts.lock_seconds).start()
    try:
        st = states.load(kube, ns, name)
        if st is not None and _superseded(st, spec, run):
            opts.on_event(f"finishing the rollback of unfinished run {st.plan.run_id} first")
            with guard.shielded():
                _roll_back(kube, spec, st, st.reason or _why_superseded(st, spec), opts)
            st = None
        warnings: list[str] = []
        if st is None:
            plan, warnings = _prepare(kube, spec, run, opts)
            if not plan.steps:
                opts.on_event(f"{plan.name} already runs {plan.candidate_version}: nothing to do")
                rec = records.start(plan, outcome="promoted")
                records.write(opts.results_dir, rec)
                return Result(rec)
            with not_started(spec, run, opts, "plan") as early, guard.shielded(drop=True):
                early.plan = plan
                st = states.RunState(
                    plan=plan,
                    snapshot=snapshot.capture(kube, plan.touches),
                    spec_key=spec_key(spec),
                    started=records.now(),
                    deadline=_deadline(spec, plan, 0, opts),
                )
                states.save(kube, st)  # the first write of the run: from here on, a crash can resume
        elif st.phase == "paused":  # a paused rollout waits for its approver: a cancel here leaves it be
            return Result(_finish(st, "paused", opts, keep_state=True), warnings)
        return Result(_drive(kube, spec, st, gate, opts, lock, guard), warnings)
    finally:
        with guard.shielded(drop=True):
            lock.release()


def _superseded(st: states.RunState, spec: Spec, run: RunInfo) -> bool:
    """Roll the unfinished run back before this one: a rollback in progress, another deploy.yaml,
    or another workflow run's rollout whose runner is gone past its deadline (we hold the lock)."""
    if st.phase == "rolling_back" or st.spec_key != spec_key(spec):
        return True
    return st.phase == "running" and st.plan.run_id != run.run_id and states.past_deadline(st)


def _why_superseded(st: states.RunState, spec: Spec) -> str:
    if st.spec_key != spec_key(spec):
        return "superseded by a new run"
    return f"abandoned: run {st.plan.run_id} is gone past its deadline {st.deadline}"


def _prepare(kube: Kube, spec: Spec, run: RunInfo, opts: Options) -> tuple[Plan, list[str]]:
    """Observe once, plan (pure), preflight on (plan, observed): reads only. A real run and a dry
    run both come through here, so whatever a real run would refuse before writing, a dry run
    refuses too (a missing namespace, a missing permission, too few GPUs)."""
    with not_started(spec, run, opts, "plan") as early:
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
    with Guard(opts.on_event) as guard:
        try:
            return _promote(spec, kube, run, gate, opts, guard)
        except Cancelled as exc:
            raise cancelled_early(spec, run, opts, exc.signum) from None


def _promote(spec: Spec, kube: Kube, run: RunInfo, gate: Gate, opts: Options, guard: Guard) -> Result:
    lock = Lock(kube, spec.metadata.namespace, spec.metadata.name, run.run_id, opts.lock_seconds).start()
    try:
        st = states.load(kube, spec.metadata.namespace, spec.metadata.name)
        if st is None or st.phase != "paused":
            raise NothingToPromote(
                f"no rollout of {spec.metadata.name} is paused for approval in {spec.metadata.namespace}: "
                "nothing to promote, nothing changed",
                fix="promote continues a run stopped at `pause: {}`; run `ai-deploy-ci run` (or deploy)",
            )
        st.phase = "running"
        return Result(_drive(kube, spec, st, gate, opts, lock, guard))
    finally:
        with guard.shielded(drop=True):
            lock.release()


def rollback(
    spec: Spec, kube: Kube, run: RunInfo, opts: Options | None = None, reason: str = "rollback requested"
) -> Result:
    """Return the cluster to the unfinished run's pre-run snapshot (approval gate: reject). A signal
    once the lock is ours is ignored: finishing the rollback is what a cancel would ask for."""
    opts = opts or Options()
    preflight.check_namespace(kube, spec.metadata.namespace)
    lock = Lock(kube, spec.metadata.namespace, spec.metadata.name, run.run_id, opts.lock_seconds).start()
    with Guard(opts.on_event) as guard, guard.shielded(drop=True):
        return _rollback_locked(spec, kube, opts, reason, lock)


def _rollback_locked(spec: Spec, kube: Kube, opts: Options, reason: str, lock: Lock) -> Result:
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
    kube: Kube, spec: Spec, st: states.RunState, gate: Gate, opts: Options, lock: Lock, guard: Guard
) -> records.RolloutRecord:
    """The steps, armed for cancellation: a signal takes traffic off the candidate, then rolls back."""
    try:
        with guard.armed(kube, st, wait_timeout=_wait_timeout(spec, opts), poll=opts.poll):
            return _steps(kube, spec, st, gate, opts, lock, guard)
    except Cancelled as exc:
        raise _cancel(kube, spec, st, opts, guard, exc.signum) from None


def _steps(
    kube: Kube, spec: Spec, st: states.RunState, gate: Gate, opts: Options, lock: Lock, guard: Guard
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
                with guard.shielded(drop=True):  # paused for approval: a cancel now leaves it paused
                    records.step_end(rec, "succeeded")
                    st.records.append(dict(rec))
                    st.done, st.phase, st.deadline = index + 1, "paused", ""
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
                    with guard.shielded(drop=True):
                        _roll_back(kube, spec, st, f"analysis at step {index + 1}: {verdict}", opts)
                    raise RegressionDetected(
                        f"analysis at step {index + 1} said {verdict}; rolled back",
                        fix="see verdict.json and the report for the failing metrics",
                    )
        except ClusterError as exc:
            records.step_end(rec, "failed")
            st.records.append(dict(rec))
            with guard.shielded(drop=True):
                _roll_back(kube, spec, st, f"step {index + 1} failed: {exc.message}", opts)
            raise ClusterError(f"{exc.message} (rolled back)", fix=exc.fix) from exc
        records.step_end(rec, "succeeded")
        st.records.append(dict(rec))
        st.done = index + 1
        st.deadline = _deadline(spec, plan, st.done, opts)
        states.save(kube, st)
    with guard.shielded(drop=True):  # every step done: the run is promoted whatever comes now
        return _finish(st, "promoted", opts, keep_state=False, kube=kube)


def _cancel(kube: Kube, spec: Spec, st: states.RunState, opts: Options, guard: Guard,
            signum: int) -> RunCancelled:
    """After the signal: the traffic-off writes (started by the handler) end, then the rest of the
    rollback, under the lock, shielded; rollout.json says `cancelled`. If the rollback cannot
    finish, the state stays `rolling_back` for the next run, `rollback` or `reconcile`."""
    name = signal.Signals(signum).name
    guard.wait_traffic_off(timeout=_wait_timeout(spec, opts))
    with guard.shielded(drop=True):
        try:
            rb = undo.roll_back(kube, st, f"cancelled ({name})", wait_timeout=_wait_timeout(spec, opts),
                                poll=opts.poll, on_event=opts.on_event)
        except ClusterError as exc:
            left = records.finish(st.plan, st.started, st.records, "cancelled", None)
            records.write(opts.results_dir, left)
            return RunCancelled(signum, f"cancelled by {name}; the rollback did not finish: {exc.message}",
                                fix="`ai-deploy-ci rollback FILE`, the next run or `reconcile` finishes it")
        if guard.traffic_off_at is not None and guard.signalled_at is not None:
            rb["seconds_to_no_traffic"] = round(guard.traffic_off_at - guard.signalled_at, 3)
            rb["writes_to_no_traffic"] = guard.traffic_off_writes
        _finish(st, "cancelled", opts, keep_state=False, kube=kube, rollback=rb)
    took = rb["seconds_to_no_traffic"]
    return RunCancelled(signum, f"cancelled by {name}: traffic off the candidate {took:.2f}s after the "
                        "signal, rolled back", fix="re-run the job to deploy again")


def _deadline(spec: Spec, plan: Plan, done: int, opts: Options) -> str:
    """When a live runner will have saved the state again: the next step's pause, gate and
    rollout wait, plus slack. `reconcile` (and the next run) treat a rollout past it, with no
    live lease, as abandoned."""
    if done >= len(plan.steps):
        return states.deadline_after(opts.deadline_slack)
    step = plan.steps[done]
    budget = (step.pause or 0.0) if step.pause is None or not math.isinf(step.pause) else 0.0
    if step.is_gate:
        budget += step.analysis or 600.0
    seconds = budget / opts.time_scale + _wait_timeout(spec, opts) + opts.deadline_slack
    return states.deadline_after(seconds)


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
