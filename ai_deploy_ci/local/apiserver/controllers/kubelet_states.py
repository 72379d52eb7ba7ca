"""Container state machine of the kubelet: running, ready, exited, CrashLoopBackOff, completed."""

from __future__ import annotations

from typing import Any, Protocol

from ..rest import Api
from ..store import Obj
from .events import Recorder
from .pod_state import PodState
from .runtime import Runtime, is_real


class Kubelet(Protocol):
    """What the state machine needs of the kubelet (a Protocol, so neither module imports the other)."""

    api: Api
    runtime: Runtime
    events: Recorder

    def _start_all(self, pod: Obj, st: PodState) -> None: ...

    def _cstatus(self, c: Obj, state: Obj, ready: bool, restarts: int, last: Obj | None = None) -> Obj: ...


BACKOFF_START, BACKOFF_MAX = 10.0, 300.0
JOB_RUN_SECONDS = 1.0


def backoff(restarts: int) -> float:
    return min(BACKOFF_START * 2 ** max(restarts - 1, 0), BACKOFF_MAX)


def run_state(
    k: Kubelet, pod: Obj, st: PodState, status: Obj, fault: Any, now: float, stamp: str
) -> tuple[bool, float | None]:
    """Fill status.phase and containerStatuses; return (pod ready, cluster seconds until next change)."""
    uid = pod["metadata"]["uid"]
    containers = pod["spec"].get("containers") or []
    policy = pod["spec"].get("restartPolicy", "Always")
    crash = fault is not None and fault.kind == "crash_loop"
    never_ready = fault is not None and fault.kind == "never_ready"
    started_stamp = k.api.clock.stamp(st.started)
    if st.next_start is not None and now >= st.next_start:  # back-off over: start again
        st.next_start, st.started = None, now
        started_stamp = stamp
        if not crash:
            k._start_all(pod, st)
    exit_code: int | None = None
    if st.next_start is None:
        if crash:
            exit_code = fault.exit_code
        else:
            codes = [k.runtime.exit_code(uid, c["name"]) for c in containers if is_real(c)]
            exit_code = next((c for c in codes if c is not None), None)
    if (
        exit_code is None
        and st.next_start is None
        and policy != "Always"
        and not any(is_real(c) for c in containers)
    ):
        if now >= st.started + JOB_RUN_SECONDS:
            exit_code = 0
        else:
            return _running(
                k, pod, status, containers, st, started_stamp, False
            ), st.started + JOB_RUN_SECONDS - now
    if exit_code is not None and st.next_start is None:
        st.last_exit = exit_code
        if policy == "Never" or (policy == "OnFailure" and exit_code == 0):
            reason = "Completed" if exit_code == 0 else "Error"
            status["phase"] = "Succeeded" if exit_code == 0 else "Failed"
            status["containerStatuses"] = [
                k._cstatus(
                    c,
                    {
                        "terminated": {
                            "exitCode": exit_code,
                            "reason": reason,
                            "startedAt": started_stamp,
                            "finishedAt": stamp,
                        }
                    },
                    False,
                    st.restarts,
                )
                for c in containers
            ]
            return False, None
        st.restarts += 1
        st.next_start = now + backoff(st.restarts)
        st.finished_at = now
        for c in containers:
            k.events.event(
                pod,
                "Warning",
                "BackOff",
                f"Back-off restarting failed container {c['name']} in pod "
                f"{pod['metadata']['name']}_{pod['metadata']['namespace']}({uid})",
                "kubelet",
            )
    if st.next_start is not None:
        pod_id = f"{pod['metadata']['name']}_{pod['metadata']['namespace']}({uid})"
        last = {
            "terminated": {
                "exitCode": st.last_exit,
                "reason": "Error",
                "startedAt": started_stamp,
                "finishedAt": k.api.clock.stamp(st.finished_at),
            }
        }
        status["phase"] = "Running"
        status["containerStatuses"] = [
            k._cstatus(
                c,
                {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": f"back-off {int(backoff(st.restarts))}s restarting failed "
                        f"container={c['name']} pod={pod_id}",
                    }
                },
                False,
                st.restarts,
                last,
            )
            for c in containers
        ]
        return False, st.next_start - now
    ready = True
    wake: float | None = None
    for c in containers:
        if is_real(c):
            proc = k.runtime.get(uid, c["name"])
            ready = ready and proc is not None and proc.ready
        else:
            probe = c.get("readinessProbe") or {}
            if _failing_exec(probe):
                ready = False
                continue
            delay = float(probe.get("initialDelaySeconds", 0))
            if now < st.started + delay:
                ready = False
                wake = st.started + delay - now
    ready = ready and not never_ready
    return _running(k, pod, status, containers, st, started_stamp, ready), wake


def _failing_exec(probe: Obj) -> bool:
    """An exec probe running `false` fails on a real kubelet too: the portable way to say 'never ready'."""
    command = (probe.get("exec") or {}).get("command") or []
    return bool(command) and str(command[0]).rsplit("/", 1)[-1] == "false"


def _running(
    k: Kubelet, pod: Obj, status: Obj, containers: list[Obj], st: PodState, started: str, ready: bool
) -> bool:
    status["phase"] = "Running"
    last = (
        {
            "terminated": {
                "exitCode": st.last_exit,
                "reason": "Error",
                "finishedAt": k.api.clock.stamp(st.finished_at),
            }
        }
        if st.finished_at is not None
        else None
    )
    status["containerStatuses"] = [
        k._cstatus(c, {"running": {"startedAt": started}}, ready, st.restarts, last) for c in containers
    ]
    return ready
