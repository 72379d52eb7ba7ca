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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import ai_deploy_ci
from ai_deploy_ci.artifacts import LOCUST_HTML, SAMPLES_FILE, SUMMARY_FILE, LoadSummary
from ai_deploy_ci.errors import UserError
from ai_deploy_ci.load import locustfile_gen, samples_io, shapes
from ai_deploy_ci.load.config import CONFIG_ENV, PARENT_ENV, RunConfig, write_config
from ai_deploy_ci.load.progress import PREFIX
from ai_deploy_ci.load.summary import goodput_slos, summarize_target
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


def run_locust(cmd: Sequence[str], config_path: Path, log: Path, timeout: float,
               extra_env: dict[str, str] | None = None) -> LocustRun:
    """Run Locust as its own process group; forward progress lines; kill it all on the way out."""
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
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        print(f"{PREFIX} Locust exceeded its hard timeout of {timeout:.0f}s; stopping it", file=sys.stderr)
    finally:
        _kill_group(proc)
        pump.join(timeout=5)
    return LocustRun(returncode=code, started=started, ended=datetime.now(UTC), log=log)


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


def first_start(files: Sequence[Path], meta: Sequence[dict[str, object]] = ()) -> float | None:
    """The run's t = 0: when Locust started the load (meta `started`, the earliest process), or
    the earliest request start when no process recorded it; None without any request.

    The load's start, not the first request's: a first request delayed by connection setup
    would otherwise shift every stage boundary and time block by its delay.
    """
    starts = [min((r[1] for r in samples_io.iter_rows(f)), default=None) for f in files]
    known = [s for s in starts if s is not None]
    if not known:
        return None
    recorded = [float(v) for m in meta if isinstance(v := m.get("started"), int | float)]
    return min([*recorded, *known])


def prepare(config: RunConfig, out_dir: Path) -> tuple[Path, Path]:
    """Write the run config and the generated locustfile; clear old per-process files.

    The paths returned are absolute: Locust runs with `out_dir` as its working directory.
    """
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = Path(config.samples_dir)
    raw.mkdir(parents=True, exist_ok=True)
    for old in [*raw.glob("samples-*.jsonl.gz"), *raw.glob("meta-*.json")]:
        old.unlink()
    config_path = write_config(config, out_dir / "locust-config.json")
    locustfile = out_dir / "locustfile_generated.py"
    locustfile.write_text(locustfile_gen.LOCUSTFILE, encoding="utf-8")
    return config_path, locustfile


def execute(config: RunConfig, out_dir: Path, *, extra_env: dict[str, str] | None = None,
            user_label: str = "", tolerance: float = 0.0) -> LoadSummary:
    """Run one load test here from a ready RunConfig; write samples, HTML and summary.json."""
    out_dir = out_dir.resolve()  # Locust's working directory is out_dir: relative paths would miss
    config_path, locustfile = prepare(config, out_dir)
    cmd = locustfile_gen.locust_command(sys.executable, locustfile, config, out_dir / LOCUST_HTML)
    run = run_locust(cmd, config_path, out_dir / "locust.log", config.run_time + STARTUP_GRACE, extra_env)
    return finish(config, out_dir, run, user_label=user_label, tolerance=tolerance)


def finish(config: RunConfig, out_dir: Path, run: LocustRun, *, user_label: str = "",
           tolerance: float = 0.0) -> LoadSummary:
    """Merge the per-process sample files in config.samples_dir, summarize, write summary.json.

    Shared by the local run and the Kubernetes-Jobs run (distributed.py), which only differ in
    how the per-process files arrive.
    """
    raw = Path(config.samples_dir)
    files = sorted(raw.glob("*samples-*.jsonl.gz"))
    meta = read_meta(raw)
    t0 = first_start(files, meta)
    if t0 is None:
        raise LoadTestFailed(f"Locust produced no samples (exit code {run.returncode}){_log_tail(run.log)}",
                             fix=f"read {run.log} for Locust's own output")
    samples_path = out_dir / SAMPLES_FILE
    counts = samples_io.merge_process_files(files, samples_path, t0=t0, warmup=config.warmup,
                                            duration=config.duration)
    for f in files:
        f.unlink()
    samples = samples_io.read_samples(samples_path)
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
        goodput_slos=goodput_slos(spec.analysis.metrics))


def run_load_test(spec: Spec, out_dir: Path, *, baseline_url: str, candidate_url: str,
                  duration: float | None = None, base_dir: Path) -> LoadSummary:
    """The interface the pipeline calls: load both targets per `spec.load`, write the results.

    Runs on this machine (`load.processes` Locust processes). `load.distributedWorkers > 0`
    needs a cluster client: the caller uses `distributed.run_distributed_load_test` instead.
    Relative `out_dir` and `base_dir` are taken from the current working directory.
    """
    out_dir, base_dir = out_dir.resolve(), base_dir.resolve()
    config = spec_config(spec, out_dir, baseline_url=baseline_url, candidate_url=candidate_url,
                         duration=duration, base_dir=base_dir)
    label = locustfile_gen.user_kind(spec.load, spec.server.protocol)
    return execute(config, out_dir, user_label=label, tolerance=spec.load.agreement.tolerance)
