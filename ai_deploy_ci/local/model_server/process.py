"""Run the model server as a child process (as the local kubelet does) and stop it reliably.

A child process, not a thread, for anything that is load-tested: the server then has its
own GIL and its CPU time is not charged to the test or to Locust. The child binds port 0 when
asked and reports the real URL on its first stdout line, so there is no free-port race.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ai_deploy_ci.local.model_server.knobs import Knobs, to_env


class ServerStartError(RuntimeError):
    """The child exited or stayed silent instead of reporting its URL."""


@dataclass
class ModelServerProcess:
    """A started child: `url`, `pid`, and `stop()` (SIGTERM → drain; SIGKILL after a bound)."""

    process: subprocess.Popen[bytes]
    url: str
    knobs: Knobs

    @property
    def pid(self) -> int:
        return self.process.pid

    def terminate(self) -> None:
        """Send SIGTERM (begin the drain) without waiting."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 5.0) -> int:
        """Drain and wait; kill if it takes longer than `timeout`. Returns the exit code."""
        self.terminate()
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait(5)
        if self.process.stdout:
            self.process.stdout.close()
        return code


def start_model_server_process(
    knobs: Knobs | None = None,
    *,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 15.0,
    **overrides: Any,
) -> ModelServerProcess:
    """Start `python -m ai_deploy_ci model-server` with these knobs (port 0 → any free port)."""
    return start_model_server_processes(1, knobs, env=env, startup_timeout=startup_timeout, **overrides)[0]


def start_model_server_processes(
    count: int,
    knobs: Knobs | None = None,
    *,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 15.0,
    **overrides: Any,
) -> list[ModelServerProcess]:
    """Start `count` servers with the same knobs at once (their start-ups overlap), each on its
    own free port; if any fails, all are stopped and the error is raised."""
    base = knobs or Knobs(port=0)
    if overrides:
        from ai_deploy_ci.local.model_server.knobs import with_overrides

        base = with_overrides(base, **overrides)
    child_env = {**os.environ, **(env or {}), **to_env(base)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "ai_deploy_ci", "model-server"],
            env=child_env,
            stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    deadline = time.monotonic() + startup_timeout
    started: list[ModelServerProcess] = []
    try:
        for proc in procs:
            started.append(ModelServerProcess(proc, _await_url(proc, deadline), base))
    except Exception:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(5)
            if proc.stdout:
                proc.stdout.close()
        raise
    return started


def _await_url(proc: subprocess.Popen[bytes], deadline: float) -> str:
    """The URL from the child's first stdout line (`{"event": "listening", "url": …}`)."""
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    buffer = b""
    while time.monotonic() < deadline:
        chunk = proc.stdout.read()
        if chunk:
            buffer += chunk
        if b"\n" in buffer:
            os.set_blocking(proc.stdout.fileno(), True)
            return str(json.loads(buffer.split(b"\n", 1)[0])["url"])
        if proc.poll() is not None:
            raise ServerStartError(f"model server exited with {proc.returncode} before listening")
        time.sleep(0.01)
    raise ServerStartError("model server did not report its URL in time")
