"""Run one `run:` step as GitHub's runner does: a script file, a shell template, fresh env files.

Each step gets new $GITHUB_OUTPUT / $GITHUB_ENV / $GITHUB_PATH / $GITHUB_STEP_SUMMARY files,
which are read back after the process exits. Output is read line by line so workflow commands
and masking apply as the step runs; the step's processes stay in the runner's process group
(killing the runner kills them, like losing the VM) and a timeout kills the whole tree.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from tests.support.action_runner.commands import FileCommandError, parse_file_command

SHELLS = {
    "bash": "bash --noprofile --norc -eo pipefail {0}",
    "sh": "sh -e {0}",
    "python": "python {0}",
}
DEFAULT_JOB_SHELL = "bash -e {0}"  # a workflow step without `shell:` on Linux


@dataclass
class ShellOutcome:
    exit_code: int
    outputs: dict[str, str]
    env: dict[str, str]
    path: list[str]
    summary: str
    error: str | None = None
    timed_out: bool = False
    cancelled: bool = False
    commands: list[tuple[str, dict[str, str], str]] = field(default_factory=list)


def shell_command(shell: str, script: Path) -> list[str]:
    template = SHELLS.get(shell, shell)
    if "{0}" not in template:
        template += " {0}"
    return [part.replace("{0}", str(script)) for part in template.split()]


def kill_tree(pid: int) -> None:
    """Kill a process and all its descendants (a step's Locust, servers, …)."""
    try:
        parent = psutil.Process(pid)
        procs = [*parent.children(recursive=True), parent]
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(procs, timeout=5)


def run_script(
    script: str,
    *,
    shell: str,
    env: dict[str, str],
    cwd: Path,
    temp: Path,
    on_line: Callable[[str], None],
    timeout: float,
    cancel: threading.Event,
) -> ShellOutcome:
    """Run a script; `on_line` sees every output line (it handles commands and masking)."""
    files_dir = temp / "_runner_file_commands"
    files_dir.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex
    files = {name: files_dir / f"{name.lower()}_{tag}" for name in
             ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY", "GITHUB_STATE")}
    for path in files.values():
        path.write_text("")
    suffix = ".py" if shell == "python" else ".sh"
    script_path = temp / f"{tag}{suffix}"
    script_path.write_text(script)
    step_env = {**env, **{k: str(p) for k, p in files.items()}}
    if not cwd.is_dir():
        return ShellOutcome(1, {}, {}, [], "", error=f"working directory {cwd} does not exist")
    proc = subprocess.Popen(
        shell_command(shell, script_path), cwd=cwd, env=step_env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1,
    )
    state = {"timed_out": False, "cancelled": False}
    done = threading.Event()

    def watchdog() -> None:
        deadline = time.monotonic() + timeout
        while not done.wait(0.1):
            if cancel.is_set() or time.monotonic() > deadline:
                state["cancelled" if cancel.is_set() else "timed_out"] = True
                kill_tree(proc.pid)
                return

    guard = threading.Thread(target=watchdog, daemon=True)
    guard.start()
    assert proc.stdout is not None
    for line in proc.stdout:
        on_line(line.rstrip("\n"))
    code = proc.wait()
    done.set()
    guard.join()
    script_path.unlink(missing_ok=True)
    outcome = ShellOutcome(code, {}, {}, [], files["GITHUB_STEP_SUMMARY"].read_text(errors="replace"),
                           timed_out=state["timed_out"], cancelled=state["cancelled"])
    try:
        outcome.outputs = parse_file_command(files["GITHUB_OUTPUT"].read_text(), "GITHUB_OUTPUT")
        outcome.env = parse_file_command(files["GITHUB_ENV"].read_text(), "GITHUB_ENV")
    except FileCommandError as exc:
        outcome.error = str(exc)
    outcome.path = [p for p in files["GITHUB_PATH"].read_text().splitlines() if p.strip()]
    for path in files.values():
        path.unlink(missing_ok=True)
    if outcome.timed_out:
        outcome.error = f"the step timed out after {timeout:.0f} s"
    return outcome


def child_env(base: dict[str, str], path_prepend: list[str]) -> dict[str, str]:
    env = dict(base)
    if path_prepend:
        env["PATH"] = os.pathsep.join([*reversed(path_prepend), env.get("PATH", os.defpath)])
    return env
