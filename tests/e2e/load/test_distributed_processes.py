"""Distributed Locust from the Jobs' own pod scripts, run as real processes: master + 2 workers.

The local kubelet runs only model-server images, so the pods' scripts (`build_objects`) run here
as plain processes, each in its own directory for the pod's volumes; what the cluster would
provide is rewritten: the ConfigMap's files, the results emptyDir, the master Service's DNS name
(→ 127.0.0.1) and port. Workers send their samples to the master over Locust's messages; the
runner then merges the master's results (`runner.finish`), as `run_distributed_load_test` does
after reading the master pod. Killing a worker mid-run (SIGKILL to its process group, as a
node loss would) must show up as samples lost and make a passing judgement INCONCLUSIVE.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ai_deploy_ci.analysis.judge import judge
from ai_deploy_ci.load import delivery, distributed, locustfile_gen, runner
from ai_deploy_ci.load.config import CONFIG_ENV
from ai_deploy_ci.spec.model import AnalysisSpec, Metric
from tests.e2e.load.helpers import Factory, make_spec

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]
REPO = Path(__file__).resolve().parents[3]
SECONDS = 8.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pod_process(job: dict[str, Any], pod_dir: Path, port: int, volumes: dict[str, str]
                 ) -> subprocess.Popen[bytes]:
    """Start one pod of a Job as a process: its container's command with the cluster's parts mapped."""
    container = job["spec"]["template"]["spec"]["containers"][0]
    script = container["command"][2].replace("/locust/", f"{pod_dir / 'locust'}/")
    script = script.replace(distributed.RESULTS, str(pod_dir / "results"))
    script = script.replace(f"--master-port {distributed.MASTER_PORT}", f"--master-port {port}")
    script = script.replace("--master ", f"--master --master-bind-host 127.0.0.1 --master-bind-port {port} ")
    script = script.replace(f"--master-host {job['metadata']['name'].replace('-workers', '-master')}",
                            "--master-host 127.0.0.1")
    (pod_dir / "locust").mkdir(parents=True)
    for name, text in volumes.items():  # the ConfigMap's files; the config names the emptyDir
        (pod_dir / "locust" / name).write_text(text.replace(distributed.RESULTS, str(pod_dir / "results")))
    env = {**os.environ, CONFIG_ENV: str(pod_dir / "locust" / "config.json"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(REPO)}
    log = open(pod_dir / "pod.log", "wb")  # noqa: SIM115  (the pod's log, closed with the process)
    return subprocess.Popen(["sh", "-c", script], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=pod_dir,
                            start_new_session=True)


def _run(tmp: Path, url: str, *, kill_after: float | None) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = make_spec(users=4, warmup=1.0, duration=SECONDS)
    spec = dataclasses.replace(spec, analysis=AnalysisSpec(
        metrics=(Metric("p95", "latency", 0.95, max_increase=0.5),), block_length=1.0, min_duration=2.0,
        max_duration=SECONDS))
    out = tmp / "out"
    config = runner.spec_config(spec, out, baseline_url=url, candidate_url=url, duration=None, base_dir=tmp)
    runner.prepare(config, out)
    run = distributed.DistributedRun(name="sentiment", namespace="default", image="unused", workers=2,
                                     labels={})
    cm, _service, master_job, worker_job = distributed.build_objects(run, config, locustfile_gen.LOCUSTFILE)
    port = _free_port()
    started = datetime.now(UTC)
    pods = {"master": _pod_process(master_job, tmp / "master", port, cm["data"])}
    for i in range(2):
        pods[f"worker-{i}"] = _pod_process(worker_job, tmp / f"worker-{i}", port, cm["data"])
    try:
        if kill_after is not None:  # seconds after the master spawned the users on both workers
            log = tmp / "master" / "pod.log"
            deadline = time.monotonic() + 60
            while "All users spawned" not in log.read_text(errors="replace") and time.monotonic() < deadline:
                time.sleep(0.2)
            time.sleep(kill_after)
            os.killpg(pods["worker-1"].pid, signal.SIGKILL)  # the node under it is gone
        code = pods["master"].wait(timeout=SECONDS + 90)
        assert code == 0, (tmp / "master" / "pod.log").read_text()[-3000:]
    finally:
        for p in pods.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
    master_log = (tmp / "master" / "pod.log").read_text(errors="replace")
    # what collect() does with the master pod's log: its results directory, one file per worker
    for name, data in distributed.decode_log(master_log).items():
        (Path(config.samples_dir) / f"master-{name}").write_bytes(data)
    assert not list((tmp / "worker-0" / "results" / "raw").glob("samples-*")), "workers write no sample files"
    done = runner.LocustRun(returncode=0, started=started, ended=datetime.now(UTC),
                            log=tmp / "master" / "pod.log")
    summary = runner.finish(config, out, done, workers=2)
    tables = runner.samples_io.read_samples(out / runner.SAMPLES_FILE)
    verdict = delivery.apply(judge(spec.analysis, tables), summary)
    return dict(summary), dict(verdict)


def test_master_and_two_workers_deliver_every_sample(model_server_factory: Factory, tmp_path: Path) -> None:
    server = model_server_factory(extra_latency_ms=5.0)
    summary, verdict = _run(tmp_path, server.url, kill_after=None)
    workers = summary["delivery"]
    assert len(workers) == 2, workers
    for w in workers.values():
        assert w["final"] and w["delivered"] == w["produced"] > 100, workers
    total = sum(int(w["delivered"]) for w in workers.values())
    counts = [summary["targets"][t]["count"] for t in ("baseline", "candidate")]
    meta = json.loads(next((tmp_path / "out" / "raw").glob("*meta-worker-*.json")).read_text())
    assert meta["role"] == "worker"
    assert sum(counts) <= total and sum(counts) > 0.7 * total  # the rest: the warm-up, cut by the merge
    assert "incomplete" not in summary and "samples lost" not in verdict["reason"]


def test_a_worker_killed_mid_run_makes_the_gate_inconclusive(model_server_factory: Factory,
                                                              tmp_path: Path) -> None:
    server = model_server_factory(extra_latency_ms=5.0)
    summary, verdict = _run(tmp_path, server.url, kill_after=3.0)
    workers = summary["delivery"]
    assert len(workers) == 2, workers
    lost = [w for w in workers.values() if not w["final"]]
    assert len(lost) == 1, workers  # the killed one never sent its last frame
    assert "samples lost" in summary["incomplete"] and "stopped before the end" in summary["incomplete"]
    assert summary["incomplete"] in summary["warnings"]
    assert verdict["verdict"] == "INCONCLUSIVE" and "samples lost" in verdict["reason"], verdict
    survivor = next(w for w in workers.values() if w["final"])
    assert survivor["delivered"] == survivor["produced"] > 100  # the other worker's samples all arrived
