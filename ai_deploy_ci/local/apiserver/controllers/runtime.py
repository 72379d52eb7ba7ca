"""The container runtime for real pods: sample-model-server containers run as local processes on
their pod's loopback IP; a prober thread per container runs the readiness probe for real.

Processes live in their own session (process group) so SIGTERM/SIGKILL reach their children, and
every process is reaped on pod deletion and on server stop: nothing outlives the server.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..clock import Clock

REAL_IMAGE_PREFIX = "ai-deploy-ci/sample-model-server"
DEFAULT_COMMAND = (sys.executable, "-m", "ai_deploy_ci", "model-server")
LOG_TAIL_BYTES = 256 * 1024
# Exec'd in front of every pod command: PR_SET_PDEATHSIG makes the kernel SIGKILL the pod process if
# the thread that started it (the controller thread) dies, e.g. when the server process is killed.
_SETPRIV = shutil.which("setpriv")
_PY_GUARD = (
    sys.executable,
    "-S",
    "-c",
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None).prctl(1, signal.SIGKILL)\n"
    "os.getppid() == int(sys.argv[1]) or os._exit(1)\n"
    "os.execvp(sys.argv[2], sys.argv[2:])",
)


def _guarded(command: list[str]) -> list[str]:
    """`command` behind PR_SET_PDEATHSIG: util-linux `setpriv` if present (no extra interpreter start-up),
    else a tiny Python trampoline that also checks its parent is still alive."""
    if _SETPRIV:
        return [_SETPRIV, "--pdeathsig", "KILL", "--", *command]
    return [*_PY_GUARD, str(os.getpid()), *command]


_RUNTIMES: weakref.WeakSet[Runtime] = weakref.WeakSet()


@atexit.register
def _stop_all_runtimes() -> None:
    """An interpreter that exits without `handle.stop()` still takes its pod processes with it."""
    for runtime in list(_RUNTIMES):
        runtime.stop_all(grace=1.0)


def is_real(container: dict[str, Any]) -> bool:
    return str(container.get("image", "")).startswith(REAL_IMAGE_PREFIX)


def container_port(container: dict[str, Any]) -> int:
    ports = container.get("ports") or []
    return int(ports[0]["containerPort"]) if ports else 8080


def probe_port(probe: dict[str, Any] | None, container: dict[str, Any]) -> int:
    """The port a probe dials: its own `httpGet.port` / `tcpSocket.port` (a number, or a container
    port's name), as the kubelet's prober (`findPortByName`) does; the first containerPort otherwise."""
    handler = (probe or {}).get("httpGet") or (probe or {}).get("tcpSocket") or {}
    port = handler.get("port") if isinstance(handler, dict) else None
    if isinstance(port, int) or (isinstance(port, str) and port.isdigit()):
        return int(port)
    if isinstance(port, str):
        for p in container.get("ports") or []:
            if p.get("name") == port:
                return int(p["containerPort"])
        return -1  # an unknown name: the kubelet's probe fails
    return container_port(container)


@dataclass
class Proc:
    popen: subprocess.Popen[bytes]
    log_path: Path
    ip: str
    port: int
    probe: dict[str, Any] | None
    probe_port: int = 0
    ready: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)  # fully stopped (after SIGTERM/SIGKILL)


class Runtime:
    """Processes keyed by (pod uid, container name)."""

    def __init__(
        self, workdir: Path, clock: Clock, wake: Callable[[], None], command: Sequence[str] | None
    ) -> None:
        self.workdir = workdir
        self.clock = clock
        self.wake = wake
        self.command = tuple(command) if command else DEFAULT_COMMAND
        self._procs: dict[tuple[str, str], Proc] = {}
        self._lock = threading.Lock()
        _RUNTIMES.add(self)

    def start(self, uid: str, container: dict[str, Any], ip: str, env: dict[str, str]) -> None:
        port = container_port(container)
        log_path = self.workdir / "logs" / f"{uid}-{container['name']}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        with open(log_path, "ab") as out:
            popen = subprocess.Popen(
                _guarded([*self.command, "--host", ip, "--port", str(port)]),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=full_env,
                start_new_session=True,
            )
        probe = container.get("readinessProbe")
        proc = Proc(popen, log_path, ip, port, probe, probe_port(probe, container))
        with self._lock:
            old = self._procs.get((uid, container["name"]))
            self._procs[(uid, container["name"])] = proc
        if old is not None:
            self._kill(old, 0.0)
        threading.Thread(target=self._prober, args=(proc,), daemon=True, name=f"probe-{uid[:8]}").start()

    def get(self, uid: str, name: str) -> Proc | None:
        with self._lock:
            return self._procs.get((uid, name))

    def exit_code(self, uid: str, name: str) -> int | None:
        proc = self.get(uid, name)
        return None if proc is None else proc.popen.poll()

    def _prober(self, proc: Proc) -> None:
        probe = proc.probe or {}
        delay = self.clock.wall_seconds(float(probe.get("initialDelaySeconds", 0)))
        period = min(max(self.clock.wall_seconds(float(probe.get("periodSeconds", 10))), 0.05), 2.0)
        if proc.stop.wait(delay):
            return
        # As the kubelet does: Ready flips only after successThreshold passes in a row, and back
        # only after failureThreshold failures in a row, so one slow probe under load is no outage.
        failures_needed = max(int(probe.get("failureThreshold", 3)), 1)
        successes_needed = max(int(probe.get("successThreshold", 1)), 1)
        streak = 0  # consecutive results that disagree with the current state
        while not proc.stop.is_set() and proc.popen.poll() is None:
            ok = self._probe_once(proc, probe)
            streak = streak + 1 if ok != proc.ready else 0
            if streak >= (successes_needed if ok else failures_needed):
                proc.ready = ok
                streak = 0
                self.wake()
            proc.stop.wait(period if proc.ready else min(period, 0.02))
        if proc.ready:
            proc.ready = False
        self.wake()

    def _probe_once(self, proc: Proc, probe: dict[str, Any]) -> bool:
        timeout = min(float(probe.get("timeoutSeconds", 1)), 1.0)
        http = probe.get("httpGet")
        port = proc.probe_port or proc.port
        if port <= 0:
            return False
        try:
            if isinstance(http, dict):
                with urllib.request.urlopen(
                    f"http://{proc.ip}:{port}{http.get('path', '/')}", timeout=timeout
                ) as r:
                    return 200 <= r.status < 400
            with socket.create_connection((proc.ip, port), timeout=timeout):
                return True
        except OSError:
            return False

    def stop(self, uid: str, grace_wall: float) -> bool:
        """Begin stopping a pod's processes; True once all have exited."""
        with self._lock:
            procs = [p for (u, _), p in self._procs.items() if u == uid]
        for p in procs:
            if not p.stop.is_set():
                p.stop.set()
                threading.Thread(target=self._kill, args=(p, grace_wall), daemon=True).start()
        if all(p.done.is_set() for p in procs):
            with self._lock:
                for key in [k for k in self._procs if k[0] == uid]:
                    del self._procs[key]
            return True
        return False

    def _kill(self, proc: Proc, grace: float) -> None:
        proc.stop.set()
        try:
            if proc.popen.poll() is None:
                os.killpg(proc.popen.pid, signal.SIGTERM)
                try:
                    proc.popen.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.popen.pid, signal.SIGKILL)
                    proc.popen.wait(timeout=5)
        except (ProcessLookupError, PermissionError):
            pass
        finally:
            proc.done.set()
            self.wake()

    def logs(self, uid: str, name: str) -> str:
        proc = self.get(uid, name)
        if proc is None or not proc.log_path.exists():
            return ""
        with open(proc.log_path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - LOG_TAIL_BYTES))
            return f.read().decode(errors="replace")

    def stop_all(self, grace: float = 2.0) -> None:
        with self._lock:
            procs = list(self._procs.values())
        threads = [threading.Thread(target=self._kill, args=(p, grace), daemon=True) for p in procs]
        for t in threads:
            t.start()
        deadline = time.monotonic() + grace + 6
        for t in threads:
            t.join(timeout=max(0.0, deadline - time.monotonic()))

    def pids(self) -> list[int]:
        with self._lock:
            return [p.popen.pid for p in self._procs.values() if p.popen.poll() is None]
