"""The controller manager: one background thread running every controller until nothing changes.

A pass runs the controllers in dependency order (GC, namespaces, HPAs, deployments, replicasets, jobs,
scheduler, kubelet, endpoints). The loop wakes on any committed change, on a prober's report, or
when a controller asked to be woken at a cluster time (probe delays, back-offs, deadlines), and
otherwise sleeps at most 1 s of wall time: no busy polling, deterministic order within a pass.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

from ..rest import Api
from .base import Controller
from .deployment import DeploymentController
from .endpoints import EndpointsController
from .events import Recorder
from .gc import GarbageCollector, NamespaceController
from .hpa import HpaController
from .job import JobController
from .kubelet import Kubelet
from .replicaset import ReplicaSetController
from .runtime import Runtime
from .scheduler import Scheduler

IDLE_WAIT = 1.0
MAX_PASSES_PER_WAKE = 50


class ControllerManager:
    def __init__(self, api: Api, workdir: Path, pod_command: Sequence[str] | None) -> None:
        self.api = api
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._idle = threading.Event()
        self.runtime = Runtime(workdir, api.clock, self._wake.set, pod_command)
        recorder = Recorder(api)
        self.controllers: list[Controller] = [
            GarbageCollector(api),
            NamespaceController(api),
            HpaController(api, recorder),
            DeploymentController(api, recorder),
            ReplicaSetController(api, recorder),
            JobController(api, recorder),
            Scheduler(api, recorder),
            Kubelet(api, recorder, self.runtime),
            EndpointsController(api),
        ]
        self._dirty = True
        api.store.add_listener(lambda event: self._mark())
        api.metrics.changed = self._mark
        self._thread = threading.Thread(target=self._run, name="apiserver-controllers", daemon=True)
        self.errors: list[BaseException] = []

    def _mark(self) -> None:
        self._dirty = True
        self._idle.clear()
        self._wake.set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=15)
        self.runtime.stop_all()  # no-op unless the thread did not finish in time

    def wait_idle(self, timeout: float) -> bool:
        return self._idle.wait(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            wake_in = self._pass()
            if self._stop.is_set():
                break
            wait = (
                IDLE_WAIT
                if wake_in is None
                else min(IDLE_WAIT, max(self.api.clock.wall_seconds(wake_in), 0.001))
            )
            if not self._dirty:
                self._idle.set()
            self._wake.wait(wait)
            self._wake.clear()
        # Stop pod processes from this thread: their death signal is tied to it (see runtime._guarded),
        # so they get a graceful SIGTERM here before the thread ends.
        self.runtime.stop_all()

    def _pass(self) -> float | None:
        """Run passes until a pass commits nothing (bounded); return cluster seconds to the next timer."""
        wake: float | None = None
        for _ in range(MAX_PASSES_PER_WAKE):
            self._dirty = False
            wake = None
            now = self.api.clock.now()
            for c in self.controllers:
                if self._stop.is_set():
                    return None
                try:
                    due = c.sync(now)
                except Exception as exc:
                    self.errors.append(exc)
                    if len(self.errors) > 100:
                        del self.errors[:50]
                    due = 1.0
                if due is not None:
                    wake = due if wake is None else min(wake, due)
            if not self._dirty:
                break
        else:
            time.sleep(0.01)
        return wake
