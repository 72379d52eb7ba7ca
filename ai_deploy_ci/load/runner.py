"""Run Locust against baseline and candidate in its own process(es); merge samples; summarize.

`import locust` monkey-patches the interpreter with gevent (and breaks ssl once kubernetes is
imported), so this module never imports it: Locust is a child process group we start with a
hard timeout and always kill in `finally`. Everything Locust needs travels in a JSON config
(config.py); everything it produces comes back as files (samples, meta, HTML).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import ai_deploy_ci
from ai_deploy_ci.artifacts import LOCUST_HTML, SAMPLES_FILE, SUMMARY_FILE, LoadSummary
from ai_deploy_ci.errors import UserError
from ai_deploy_ci.load import delivery, locustfile_gen, merge, samples_io, shapes
from ai_deploy_ci.load.config import CONFIG_ENV, PARENT_ENV, RunConfig, write_config
from ai_deploy_ci.load.progress import PREFIX
from ai_deploy_ci.load.summary import goodput_slos, summarize_target
from ai_deploy_ci.samples import Samples
from ai_deploy_ci.spec.model import Load, Spec

STARTUP_GRACE = 60.0  # seconds allowed on top of the run for Locust to start and shut down


class LoadTestFailed(UserError):
    """Locust did not start or produced no samples; the log says why."""

    exit_code = 1


@dataclass(frozen=True)
class LocustRun:
    returncode: int | None  # None: killed at the hard timeout
    started: datetime
    ended: datetime
    log: Path


def load_payloads(load: Load, base_dir: Path) -> list[object]:
    """Inline payloads, else the JSONL file (one JSON value per line, blank lines skipped), else
    the payloads `load.workload` generates (`load.workload`)."""
    if load.workload is not None:
        from ai_deploy_ci.load.workload import workload_payloads

        return list(workload_payloads(load.workload, base_dir))
    if load.payloads:
        return list(load.payloads)
    if not load.payloads_file:
        return []
    path = (base_dir / load.payloads_file).resolve()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"cannot read payloads file {path}: {exc}", fix="check load.payloadsFile") from exc
    try:
        return [json.loads(line) for line in lines if line.strip()]
    except ValueError as exc:
        raise UserError(f"{path}: not JSON lines ({exc})", fix="one JSON object per line") from exc


Monitor = Callable[[], bool]  # called about every second while Locust runs; True: stop the load now
MONITOR_EVERY = 1.0


def run_locust(cmd: Sequence[str], config_path: Path, log: Path, timeout: float,
               extra_env: dict[str, str] | None = None, monitor: Monitor | None = None) -> LocustRun:
    """Run Locust as its own process group; forward progress lines; kill it all on the way out.

    `monitor` (a sequential gate): when it returns True the group gets SIGTERM, Locust flushes
    its samples on the way out and the run ends early like a normal one.
    """
    env = {**os.environ, CONFIG_ENV: str(config_path), PARENT_ENV: str(os.getpid()), **(extra_env or {})}
    root = str(Path(next(iter(ai_deploy_ci.__path__))).parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    started = datetime.now(UTC)
    proc = subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True, cwd=str(log.parent))
    pump = threading.Thread(target=_pump, args=(proc, log), daemon=True)
    pump.start()
    code: int | None = None
    try:
        code = _wait(proc, timeout, monitor)
    except subprocess.TimeoutExpired:
        print(f"{PREFIX} Locust exceeded its hard timeout of {timeout:.0f}s; stopping it", file=sys.stderr)
    finally:
        _kill_group(proc)
        pump.join(timeout=5)
    return LocustRun(returncode=code, started=started, ended=datetime.now(UTC), log=log)


def _wait(proc: subprocess.Popen[bytes], timeout: float, monitor: Monitor | None) -> int:
    """proc.wait(timeout), asking `monitor` about every second whether to stop early."""
    if monitor is None:
        return proc.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while True:
        try:
            return proc.wait(timeout=max(0.0, min(MONITOR_EVERY, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            if time.monotonic() >= deadline:
                raise
        if monitor():
            print(f"{PREFIX} the gate decided; stopping the load", file=sys.stderr, flush=True)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            return proc.wait(timeout=max(1.0, deadline - time.monotonic()))


def measured_so_far(config: RunConfig) -> float | None:
    """While Locust runs: seconds of measured load (after the warm-up) so far, from the start its
    processes recorded (meta `started`); None before any process recorded it. Cheap: no rows."""
    started = [float(v) for m in read_meta_lenient(Path(config.samples_dir))
               if isinstance(v := m.get("started"), int | float)]
    return time.time() - (min(started) + config.warmup) if started else None


def samples_so_far(config: RunConfig) -> tuple[dict[str, Samples], float | None]:
    """While Locust runs: the rows its processes flushed so far, merged as `finish` merges them
    (t = 0 at the end of the warm-up), and the measured seconds so far. A frame still being
    written is left out (the merge stops at a torn frame; it is read again next time)."""
    raw = Path(config.samples_dir)
    t0 = recorded_start(read_meta_lenient(raw))
    if t0 is None:
        return {}, None
    elapsed = time.time() - (t0 + config.warmup)
    merged = merge.merge(_sample_files(raw), t0=t0, warmup=config.warmup, duration=config.duration)
    return ({} if merged is None else merged.tables), elapsed


def _sample_files(raw: Path) -> list[Path]:
    """The per-process sample files: frames (version 2) and, from older plugins, JSON lines."""
    return sorted([*raw.glob("*samples-*.frames"), *raw.glob("*samples-*.jsonl.gz")])


def read_meta_lenient(samples_dir: Path) -> list[dict[str, object]]:
    """`read_meta`, skipping a file caught while being rewritten."""
    out = []
    for p in sorted(samples_dir.glob("*meta-*.json")):
        with contextlib.suppress(OSError, ValueError):
            out.append(json.loads(p.read_text(encoding="utf-8")))
    return out


def _pump(proc: subprocess.Popen[bytes], log: Path) -> None:
    assert proc.stdout is not None
    with open(log, "wb") as fh:
        for raw in proc.stdout:
            fh.write(raw)
            line = raw.decode("utf-8", "replace").rstrip()
            if line.startswith(PREFIX) or "CPU usage above" in line:
                print(line, file=sys.stderr, flush=True)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM then SIGKILL the whole group: `--processes` forks workers we never see directly."""
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:  # leader gone; make sure forked workers went with it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        return


def _log_tail(log: Path, lines: int = 4) -> str:
    """The last lines of Locust's output: usually the exception that stopped it."""
    try:
        tail = [ln for ln in log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return ("; Locust said:\n  " + "\n  ".join(tail[-lines:])) if tail else ""


def read_meta(samples_dir: Path) -> list[dict[str, object]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(samples_dir.glob("*meta-*.json"))]


def recorded_start(meta: Sequence[dict[str, object]]) -> float | None:
    """The run's t = 0: when Locust started the load (meta `started`, the earliest process);
    None when no process recorded it (then the merge takes the earliest request start).

    The load's start, not the first request's: a first request delayed by connection setup
    would otherwise shift every stage boundary and time block by its delay. Read from the
    meta files, so no sample file is scanned for it.
    """
    recorded = [float(v) for m in meta if isinstance(v := m.get("started"), int | float)]
    return min(recorded) if recorded else None


def prepare(config: RunConfig, out_dir: Path) -> tuple[Path, Path]:
    """Write the run config and the generated locustfile; clear old per-process files.

    The paths returned are absolute: Locust runs with `out_dir` as its working directory.
    """
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = Path(config.samples_dir)
    raw.mkdir(parents=True, exist_ok=True)
    for old in [*raw.glob("samples-*.frames"), *raw.glob("samples-*.jsonl.gz"), *raw.glob("meta-*.json")]:
        old.unlink()
    config_path = write_config(config, out_dir / "locust-config.json")
    locustfile = out_dir / "locustfile_generated.py"
    locustfile.write_text(locustfile_gen.LOCUSTFILE, encoding="utf-8")
    return config_path, locustfile


def execute(config: RunConfig, out_dir: Path, *, extra_env: dict[str, str] | None = None,
            user_label: str = "", tolerance: float = 0.0,
            monitor: Callable[[RunConfig], bool] | None = None) -> LoadSummary:
    """Run one load test here from a ready RunConfig; write samples, HTML and summary.json."""
    out_dir = out_dir.resolve()  # Locust's working directory is out_dir: relative paths would miss
    config_path, locustfile = prepare(config, out_dir)
    cmd = locustfile_gen.locust_command(sys.executable, locustfile, config, out_dir / LOCUST_HTML)
    watch = None if monitor is None else (lambda: monitor(config))
    run = run_locust(cmd, config_path, out_dir / "locust.log", config.run_time + STARTUP_GRACE, extra_env,
                     monitor=watch)
    return finish(config, out_dir, run, user_label=user_label, tolerance=tolerance)


def finish(config: RunConfig, out_dir: Path, run: LocustRun, *, user_label: str = "",
           tolerance: float = 0.0, workers: int | None = None) -> LoadSummary:
    """Merge the per-process sample files in config.samples_dir, summarize, write summary.json.

    Shared by the local run and the Kubernetes-Jobs run (distributed.py), which only differ in
    how the per-process files arrive. `workers`: how many Locust workers must have delivered
    samples (default: `config.processes` when above one).
    """
    raw = Path(config.samples_dir)
    files = _sample_files(raw)
    meta = read_meta(raw)
    merged = merge.merge(files, t0=recorded_start(meta), warmup=config.warmup, duration=config.duration)
    if merged is None:
        raise LoadTestFailed(f"Locust produced no samples (exit code {run.returncode}){_log_tail(run.log)}",
                             fix=f"read {run.log} for Locust's own output")
    samples_path = out_dir / SAMPLES_FILE
    merge.write(merged, samples_path, duration=config.duration)
    for f in files:
        f.unlink()
    samples, counts = merged.tables, merged.counts
    samples_io.remember(samples_path, samples)  # the gate judges these tables instead of re-reading
    targets = {t: summarize_target(s, url=config.targets.get(t, ""), duration=config.duration,
                                   reference=samples["baseline"] if t == "candidate" else None,
                                   tolerance=tolerance, slos=config.goodput_slos)
               for t, s in samples.items()}
    warnings = _warnings(config, run, meta, counts)
    warnings += [f"every request to {t} failed ({', '.join(s['errors_by_kind'])})"
                 for t, s in targets.items() if s["count"] and s["errors"] == s["count"]]
    summary = LoadSummary(
        started=run.started.isoformat(timespec="seconds"), ended=run.ended.isoformat(timespec="seconds"),
        duration_s=config.duration, warmup_s=config.warmup, user=user_label or config.user_ref,
        load_model=shapes.describe(config), processes=config.processes,
        saturated=any(bool(m.get("saturated")) for m in meta), warnings=warnings,
        targets=targets, goodput_slos=dict(config.goodput_slos), samples_file=SAMPLES_FILE,
    )
    expected = workers if workers is not None else (config.processes if config.processes > 1 else 0)
    if expected or any(m.get("role") == "worker" for m in meta):  # workers shipped samples to the master
        summary["delivery"] = delivery.delivery(meta)
        incomplete = delivery.incomplete_reason(meta, expected_workers=expected)
        if merged.torn_bytes:
            incomplete = "; ".join(x for x in (incomplete, f"{merged.torn_bytes} bytes of a torn frame") if x)
        if incomplete:
            summary["incomplete"] = incomplete
            summary["warnings"].append(incomplete)
    if (out_dir / LOCUST_HTML).exists():
        summary["locust_html"] = LOCUST_HTML
    (out_dir / SUMMARY_FILE).write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary


def _warnings(config: RunConfig, run: LocustRun, meta: list[dict[str, object]],
              counts: dict[str, int]) -> list[str]:
    out: list[str] = []
    hot = [m for m in meta if m.get("saturated")]
    if hot:
        cpu = max(float(m.get("max_cpu") or 0.0) for m in hot)  # type: ignore[arg-type]
        out.append(f"load generator saturated: Locust's CPU warning fired in {len(hot)} process(es) "
                   f"(max {cpu:.0f}% CPU); latencies partly measure the generator — use more processes")
    dropped = sum(int(m.get("dropped_arrivals") or 0) for m in meta)  # type: ignore[call-overload]
    if dropped:
        out.append(f"open model: {dropped} arrivals dropped because {config.max_inflight} requests were "
                   "already pending; the server could not keep up with the arrival rate")
    if run.returncode is None:
        out.append("Locust was killed at the hard timeout; the last seconds may be missing")
    for target in config.targets:
        if not counts.get(target):
            out.append(f"no requests to {target} after the warm-up")
    return out


def spec_config(spec: Spec, out_dir: Path, *, baseline_url: str, candidate_url: str,
                duration: float | None, base_dir: Path) -> RunConfig:
    """The RunConfig of a spec; every path in it is absolute, for Locust runs elsewhere."""
    out_dir, base_dir = out_dir.resolve(), base_dir.resolve()
    load = spec.load
    return locustfile_gen.make_config(
        load, protocol=spec.server.protocol, model_name=spec.server.model_name,
        targets={"baseline": baseline_url, "candidate": candidate_url}, samples_dir=out_dir / "raw",
        payloads=load_payloads(load, base_dir), base_dir=base_dir, duration=duration,
        goodput_slos=goodput_slos(spec.analysis.metrics), capture_output=compares_outputs(spec))


def compares_outputs(spec: Spec) -> bool:
    """Responses are parsed only when something compares them: an agreement metric, or an
    explicit `load.agreement.jsonPath` (the summary's agreement figure)."""
    return spec.load.agreement.json_path != "$" or any(m.type == "agreement" for m in spec.analysis.metrics)


def run_load_test(spec: Spec, out_dir: Path, *, baseline_url: str, candidate_url: str,
                  duration: float | None = None, base_dir: Path,
                  monitor: Callable[[RunConfig], bool] | None = None) -> LoadSummary:
    """The interface the pipeline calls: load both targets per `spec.load`, write the results.

    Runs on this machine (`load.processes` Locust processes). `load.distributedWorkers > 0`
    needs a cluster client: the caller uses `distributed.run_distributed_load_test` instead.
    Relative `out_dir` and `base_dir` are taken from the current working directory.
    `monitor(config)` is asked about every second while Locust runs (`samples_so_far` reads the
    samples so far); True stops the load early (a sequential gate that decided).
    """
    out_dir, base_dir = out_dir.resolve(), base_dir.resolve()
    config = spec_config(spec, out_dir, baseline_url=baseline_url, candidate_url=candidate_url,
                         duration=duration, base_dir=base_dir)
    label = locustfile_gen.user_kind(spec.load, spec.server.protocol)
    return execute(config, out_dir, user_label=label, tolerance=spec.load.agreement.tolerance,
                   monitor=monitor)
