"""Cancellation: SIGINT/SIGTERM (a cancelled job, a `timeout-minutes` expiry) never leave users on
an unjudged candidate.

GitHub cancels a job with SIGINT, SIGTERM about 7.5 s later and SIGKILL about 2.5 s after that.
So the first signal must take user traffic off the candidate at once, with the same writes the
FAIL path starts with (the run state marked `rolling_back`, then the traffic-carrying objects),
and only then let the run unwind and roll back fully. The traffic-off writes run in a thread
started by the signal handler: the main thread may be deep in a gate (Locust being stopped, a
request in flight) and must not delay them. The main thread gets `Cancelled` raised where it
stands; the engine then waits for the thread, rolls back the rest and records outcome
`cancelled`. Later signals (SIGTERM after SIGINT) are noted but ignored: the rollback they would
interrupt is the one thing worth finishing; SIGKILL leaves the state `rolling_back`, which the
next run, `rollback` or `reconcile` finishes.

Three modes, chosen by the engine for each section of a run:
- free (default): raise `Cancelled`; nothing has been changed that needs undoing;
- armed (`guard.armed(...)`): a run is live on the cluster; traffic off first, then raise;
- shielded (`guard.shielded()`): a short write that must land whole (the first state save,
  a rollback, the final record) — the signal is remembered and raised when the section ends
  (or, for a rollback, dropped: the rollback *is* the cancellation's work).
Signal handlers can only be installed from the main thread; elsewhere (tests driving the engine
from worker threads) the guard does nothing.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from ai_deploy_ci.cluster import snapshot
from ai_deploy_ci.cluster import state as states
from ai_deploy_ci.cluster.api import Kube
from ai_deploy_ci.cluster.execute import run_step
from ai_deploy_ci.errors import UserError
from ai_deploy_ci.plan.model import ObjectRef
from ai_deploy_ci.plan.rollback import plan_rollback

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Cancelled(BaseException):  # not an Exception: a gate's `except Exception` must not swallow it
    """Raised in the main thread by the first SIGINT/SIGTERM of a guarded run."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class RunCancelled(UserError):
    """The run was cancelled; exit 128 + the signal (130 for SIGINT, 143 for SIGTERM), like a shell."""

    def __init__(self, signum: int, message: str, *, fix: str | None = None) -> None:
        super().__init__(message, fix=fix)
        self.exit_code = 128 + signum


@dataclass
class _Target:
    kube: Kube
    st: states.RunState
    wait_timeout: float
    poll: float


class Guard:
    """Signal handling for one engine entry point (`with Guard(on_event) as guard:`)."""

    def __init__(self, on_event: Callable[[str], None] = print) -> None:
        self.on_event = on_event
        self.signum: int | None = None  # the first signal received
        self.traffic_off_at: float | None = None  # monotonic time the traffic-off writes ended
        self.traffic_off_error: str = ""
        self.traffic_off_writes = 0
        self.signalled_at: float | None = None
        self._target: _Target | None = None
        self._shield = 0
        self._pending = False  # a signal arrived while shielded: raise once the shield lifts
        self._thread: threading.Thread | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Guard:
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    @property
    def cancelled(self) -> bool:
        return self.signum is not None

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is not None:
            self.on_event(f"{signal.Signals(signum).name} received again: still rolling back, not stopping")
            return
        self.signum, self.signalled_at = signum, time.monotonic()
        self.on_event(f"{signal.Signals(signum).name} received: traffic off the candidate, then roll back")
        if self._shield:  # a rollback (or a write that must land whole) is under way: let it finish
            self._pending = True
            return
        if self._target is not None:
            self._start_traffic_off(self._target)
        raise Cancelled(signum)

    def _start_traffic_off(self, target: _Target) -> None:
        self._thread = threading.Thread(target=self._traffic_off, args=(target,), name="cancel-traffic-off",
                                        daemon=True)
        self._thread.start()

    @contextmanager
    def armed(self, kube: Kube, st: states.RunState, *, wait_timeout: float, poll: float) -> Iterator[None]:
        """A live run: a signal in here takes traffic off `st`'s candidate before anything else."""
        self._target = _Target(kube, st, wait_timeout, poll)
        try:
            if self.signum is not None:  # signalled while shielded just before: act now
                self._pending = False
                self._start_traffic_off(self._target)
                raise Cancelled(self.signum)
            yield
        finally:
            self._target = None

    @contextmanager
    def shielded(self, *, drop: bool = False) -> Iterator[None]:
        """Writes that must land whole; a signal meanwhile is raised at the end (dropped if `drop`)."""
        self._shield += 1
        try:
            yield
        finally:
            self._shield -= 1
        if self._shield == 0 and self._pending:
            self._pending = False
            if not drop and self.signum is not None:
                raise Cancelled(self.signum)

    def wait_traffic_off(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _traffic_off(self, target: _Target) -> None:
        """The FAIL path's first writes: state `rolling_back`, then the traffic-carrying step(s)."""
        st, kube = target.st, target.kube
        first = len(kube.writes)
        try:
            st.phase, st.reason = "rolling_back", f"cancelled ({signal.Signals(self.signum or 2).name})"
            states.save(kube, st)
            steps = plan_rollback(st.plan, st.snapshot, snapshot.live(kube, st.plan.touches))
            candidate = ObjectRef("apps/v1", "Deployment", st.plan.namespace, f"{st.plan.name}-candidate")
            traffic_steps = 1 if candidate in st.plan.touches else 2  # in place: stable's template again
            for step in steps[:traffic_steps]:
                run_step(kube, st.plan.namespace, step, wait_timeout=target.wait_timeout, poll=target.poll)
            self.traffic_off_at = time.monotonic()
            self.traffic_off_writes = len(kube.writes) - first
        except Exception as exc:  # the full rollback that follows retries from what is live
            self.traffic_off_error = f"{type(exc).__name__}: {exc}"
            self.on_event(f"taking traffic off the candidate failed ({self.traffic_off_error}); rolling back")
