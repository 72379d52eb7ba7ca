"""Loaded inside the Locust process: records every request raw, watches CPU, prints progress.

Locust's statistics round response times before computing percentiles, so we keep each request
(see capture.make_row) and compute quantiles ourselves. Rows are buffered in memory and, every
few seconds and at stop, appended as one columnar frame to `samples-<pid>.frames`, one file
per process. A worker (`--processes`, or distributed Jobs) writes no file: it sends each frame
to the master as a numbered `adc_samples` message with its count of requests produced, and the
master appends it to `samples-<worker>.frames` and keeps a ledger of produced vs delivered
(delivery.py), so samples never travel through pod logs and a lost worker is seen, not hidden.
Locust runs in its own process group (so `--processes` workers can be stopped together), which
also means it outlives a runner that is killed or cancelled: the group leader watches its parent
and stops the whole group when orphaned, so no load keeps hitting the servers after the job.
Importing this module registers the listeners; it must only ever be imported inside Locust.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from locust import events, runners
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from ai_deploy_ci.analysis.agreement import parse_path
from ai_deploy_ci.load import capture, delivery, progress
from ai_deploy_ci.load.config import (
    CPU_INTERVAL_ENV,
    CPU_THRESHOLD_ENV,
    PARENT_ENV,
    RunConfig,
    current_config,
)

FLUSH_SECONDS = 5.0

# Locust reads these module globals on every monitor iteration; a shorter interval means a
# short run is still checked, and the threshold can be lowered to test the guard.
runners.CPU_MONITOR_INTERVAL = float(os.environ.get(CPU_INTERVAL_ENV, "2.0"))
if CPU_THRESHOLD_ENV in os.environ:
    runners.CPU_WARNING_THRESHOLD = float(os.environ[CPU_THRESHOLD_ENV])  # type: ignore[assignment]


class _State:
    """Per-process state; reset on `init`, which fires after `--processes` forks."""

    def __init__(self) -> None:
        self.config: RunConfig | None = current_config()
        compare = self.config is None or self.config.capture_output
        self.path_parts = parse_path(self.config.json_path if self.config else "$") if compare else None
        self.rows: list[list[Any]] = []
        self.counts: dict[str, list[int]] = {}
        self.worker_counts: dict[str, dict[str, tuple[int, int]]] = {}
        self.saturated = False
        self.max_cpu = 0.0
        self.dropped_arrivals = 0
        self.written = 0
        self.progress_started = False
        self.role = "local"
        self.pid = os.getpid()
        self.started: float | None = None  # epoch seconds of test_start: the load's (and stages') t = 0
        self.environment: Environment | None = None
        self.produced = 0  # rows captured by this process
        self.seq = 0  # worker: frames sent to the master
        self.final_sent = False
        self.ledger = delivery.Ledger()  # master: per worker, produced vs delivered


STATE = _State()


def samples_path() -> Path | None:
    if STATE.config is None:
        return None
    return Path(STATE.config.samples_dir) / f"samples-{STATE.pid}.frames"


def flush(final: bool = False) -> None:
    """Write buffered rows and this process's meta file (saturation, CPU, dropped arrivals);
    on a worker, send them to the master instead (`final`: the last frame of this run)."""
    path = samples_path()
    if path is None:
        STATE.rows.clear()
        return
    if STATE.role == "worker":
        _ship(final)
        return
    rows, STATE.rows = STATE.rows, []
    path.parent.mkdir(parents=True, exist_ok=True)
    capture.append_rows(path, rows)
    STATE.written += len(rows)
    meta = {"pid": STATE.pid, "role": STATE.role, "rows": STATE.written, "saturated": STATE.saturated,
            "max_cpu": STATE.max_cpu, "dropped_arrivals": STATE.dropped_arrivals, "started": STATE.started}
    (path.parent / f"meta-{STATE.pid}.json").write_text(json.dumps(meta), encoding="utf-8")


def _ship(final: bool) -> None:
    """Worker: one numbered frame to the master (also when empty, if it is the final one)."""
    runner = STATE.environment.runner if STATE.environment is not None else None
    if runner is None or (not STATE.rows and not final) or STATE.final_sent:
        return
    rows, STATE.rows = STATE.rows, []
    head, columns = capture.rows_to_frame(rows)
    from ai_deploy_ci.load import frames

    runner.send_message("adc_samples", {
        "seq": STATE.seq, "rows": len(rows), "produced": STATE.produced, "final": final,
        "saturated": STATE.saturated, "max_cpu": STATE.max_cpu, "dropped_arrivals": STATE.dropped_arrivals,
        "started": STATE.started, "frame": frames.encode(head, columns) if rows else b""})
    STATE.seq += 1
    STATE.written += len(rows)
    STATE.final_sent = final


def on_samples(environment: Environment, msg: Any, **_: Any) -> None:
    """Master: store a worker's frame in that worker's file and account for it."""
    config = STATE.config
    if config is None:
        return
    data = msg.data or {}
    worker = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(msg.node_id))
    frame = data.get("frame") or b""
    if frame:
        path = Path(config.samples_dir) / f"samples-{worker}.frames"
        with open(path, "ab") as fh:
            fh.write(frame)
    STATE.ledger.received(worker, data)


def write_master_meta() -> None:
    """Master: its own meta plus one record per worker (the ledger), for the runner."""
    if STATE.config is None:
        return
    raw = Path(STATE.config.samples_dir)
    raw.mkdir(parents=True, exist_ok=True)
    (raw / f"meta-{STATE.pid}.json").write_text(json.dumps({
        "pid": STATE.pid, "role": "master", "rows": 0, "saturated": STATE.saturated, "max_cpu": STATE.max_cpu,
        "dropped_arrivals": 0, "started": STATE.started}), encoding="utf-8")
    for record in STATE.ledger.metas():
        (raw / f"meta-worker-{record['worker']}.json").write_text(json.dumps(record), encoding="utf-8")


@events.request.add_listener
def on_request(**event: Any) -> None:
    row = capture.make_row(event, STATE.path_parts, time.time())
    if row is None:
        return
    STATE.rows.append(row)
    STATE.produced += 1
    c = STATE.counts.setdefault(row[0], [0, 0])
    c[0] += 1
    c[1] += 1 - row[3]


@events.init.add_listener
def on_init(environment: Environment, **_: Any) -> None:
    STATE.__init__()  # type: ignore[misc]  # fresh after fork: the parent's buffer is not ours
    STATE.environment = environment
    runner = environment.runner
    STATE.role = ("worker" if isinstance(runner, WorkerRunner)
                  else "master" if isinstance(runner, MasterRunner) else "local")
    if runner is not None and STATE.role == "master":
        runner.register_message("adc_samples", on_samples)
    if STATE.role != "master":
        gevent.spawn(_flush_loop)
    parent = os.environ.get(PARENT_ENV)
    if STATE.role != "worker" and parent and parent.isdigit():
        gevent.spawn(_orphan_watch, int(parent))


@events.test_start.add_listener
def on_test_start(environment: Environment, **_: Any) -> None:
    """Progress runs from the start of the load (not of the process), once, where stats meet.

    The start is also recorded (meta `started`): the runner's t = 0, so stage boundaries and
    time blocks sit where the shape put them, not where the first request happened to start.
    """
    if STATE.started is None:
        STATE.started = time.time()
    if STATE.role != "worker" and STATE.config is not None and not STATE.progress_started:
        STATE.progress_started = True
        gevent.spawn(_progress_loop, environment)


@events.cpu_warning.add_listener
def on_cpu_warning(environment: Environment, cpu_usage: float, **_: Any) -> None:
    STATE.saturated = True
    STATE.max_cpu = max(STATE.max_cpu, float(cpu_usage))


@events.usage_monitor.add_listener
def on_usage(environment: Environment, cpu_usage: float, **_: Any) -> None:
    STATE.max_cpu = max(STATE.max_cpu, float(cpu_usage))


@events.report_to_master.add_listener
def on_report_to_master(client_id: str, data: dict[str, Any], **_: Any) -> None:
    data["adc_counts"] = {t: tuple(c) for t, c in STATE.counts.items()}
    data["adc_produced"] = STATE.produced


@events.worker_report.add_listener
def on_worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    if "adc_counts" in data:
        STATE.worker_counts[client_id] = data["adc_counts"]
    if "adc_produced" in data:
        worker = "".join(c if c.isalnum() or c in "-_." else "_" for c in str(client_id))
        STATE.ledger.reported(worker, int(data["adc_produced"]))


@events.test_stop.add_listener
def on_test_stop(environment: Environment, **_: Any) -> None:
    if STATE.role != "master":
        flush(final=True)
    else:
        write_master_meta()


@events.quitting.add_listener
def on_quitting(environment: Environment, **_: Any) -> None:
    if STATE.role != "master":
        flush(final=True)
    else:
        write_master_meta()


def note_dropped_arrival() -> None:
    """Called by the open-model dispatcher when the generator cannot keep the arrival rate."""
    STATE.dropped_arrivals += 1


def _orphan_watch(parent: int, every: float = 0.5) -> None:
    """Stop the whole process group once the runner that started us is gone: reparented when we
    are its direct child (the usual case), else (a wrapper in between) no longer alive."""
    direct = os.getppid() == parent
    while (os.getppid() == parent) if direct else _alive(parent):
        gevent.sleep(every)
    with contextlib.suppress(OSError):  # our stderr was the runner's pipe: likely broken now
        print(f"{progress.PREFIX} the runner (pid {parent}) is gone; stopping the load",
              file=sys.stderr, flush=True)
    os.killpg(os.getpgrp(), signal.SIGTERM)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, and someone else's
        pass
    return True


def _flush_loop() -> None:
    while True:
        gevent.sleep(FLUSH_SECONDS)
        flush()


def _progress_loop(environment: Environment) -> None:
    config = STATE.config
    assert config is not None
    started = time.monotonic()
    while True:
        gevent.sleep(config.progress_interval)
        runner = environment.runner
        if isinstance(runner, MasterRunner):
            counts = progress.sum_counts(STATE.worker_counts)
            cpu = max((float(w.cpu_usage) for w in runner.clients.values()), default=None)
        else:
            counts = {t: (c[0], c[1]) for t, c in STATE.counts.items()}
            cpu = getattr(runner, "current_cpu_usage", None)
        users = runner.user_count if runner is not None else 0
        elapsed = time.monotonic() - started
        line = progress.format_line(elapsed, config.run_time, config.warmup, counts, users, cpu)
        print(line, file=sys.stderr, flush=True)
