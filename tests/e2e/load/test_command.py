"""`ai-deploy-ci load-test FILE --out DIR` end to end, as a workflow step runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ai_deploy_ci.artifacts import LOCUST_HTML, SAMPLES_FILE, SUMMARY_FILE
from tests.e2e.load.helpers import Factory

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "local-demo-canary.yaml"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ai_deploy_ci", "load-test", *args], capture_output=True,
                          text=True, timeout=90, cwd=cwd)


def test_load_test_command(model_server_factory: Factory, tmp_path: Path) -> None:
    base = model_server_factory(extra_latency_ms=5.0)
    cand = model_server_factory(extra_latency_ms=15.0)
    shutil.copy(EXAMPLE, tmp_path / "deploy.yaml")
    out = tmp_path / "results"
    done = cli(str(tmp_path / "deploy.yaml"), "--baseline", base.url, "--candidate", cand.url,
               "--duration", "4s", "--warmup", "1s", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert {SUMMARY_FILE, SAMPLES_FILE, LOCUST_HTML} <= {p.name for p in out.iterdir()}
    summary = json.loads((out / SUMMARY_FILE).read_text())
    assert summary["duration_s"] == 4.0 and summary["warmup_s"] == 1.0 and summary["user"] == "json"
    b, c = summary["targets"]["baseline"], summary["targets"]["candidate"]
    assert c["latency_ms"]["p50"] > b["latency_ms"]["p50"] + 5.0
    assert "[load]" in done.stderr  # progress lines for the GitHub log
    assert done.stdout.strip().endswith(str(out / SUMMARY_FILE))


def test_missing_target_is_a_user_error(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "deploy.yaml")
    done = cli(str(tmp_path / "deploy.yaml"), "--out", str(tmp_path / "r"))
    assert done.returncode == 1
    assert "no baseline target" in done.stderr and "Traceback" not in done.stderr


def test_relative_out_and_file_paths(model_server_factory: Factory, tmp_path: Path) -> None:
    """As a workflow step calls it: paths relative to the workspace, Locust elsewhere."""
    server = model_server_factory()
    (tmp_path / "deploy").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "deploy" / "deploy.yaml")
    done = cli("deploy/deploy.yaml", "--baseline", server.url, "--candidate", server.url,
               "--duration", "2s", "--warmup", "1s", "--out", "results", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "results"
    assert {SUMMARY_FILE, SAMPLES_FILE, LOCUST_HTML} <= {p.name for p in out.iterdir()}
    assert json.loads((out / SUMMARY_FILE).read_text())["targets"]["candidate"]["count"] > 0
    assert not (out / "results").exists()


def test_killed_runner_takes_its_load_with_it(model_server_factory: Factory, tmp_path: Path) -> None:
    """A cancelled or crashed job must not leave Locust hammering staging: Locust runs in its own
    process group (so the runner can stop its workers), hence outlives a SIGKILLed runner unless
    it notices. The runner is killed alone; its Locust group must be gone soon after, and the
    server must stop receiving requests, long before the 60 s the run asked for."""
    import contextlib
    import os
    import signal
    import time

    import psutil

    from tests.e2e.load.helpers import status_counts

    server = model_server_factory()
    shutil.copy(EXAMPLE, tmp_path / "deploy.yaml")
    runner = subprocess.Popen(
        [sys.executable, "-m", "ai_deploy_ci", "load-test", str(tmp_path / "deploy.yaml"),
         "--baseline", server.url, "--candidate", server.url, "--duration", "60s", "--warmup", "0s",
         "--out", str(tmp_path / "results")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    locust: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 30
        while sum(status_counts(server.url, "predict").values()) < 50:  # Locust is loading
            assert runner.poll() is None and time.monotonic() < deadline, "the load never started"
            time.sleep(0.2)
        locust = psutil.Process(runner.pid).children(recursive=True)
        assert locust, "no Locust process under the runner"
        os.kill(runner.pid, signal.SIGKILL)  # the runner alone: Locust is in a group of its own
        runner.wait(timeout=10)
        _gone, alive = psutil.wait_procs(locust, timeout=15)
        assert not alive, f"Locust outlived its runner: {alive}"
        before = sum(status_counts(server.url, "predict").values())
        time.sleep(1.0)
        assert sum(status_counts(server.url, "predict").values()) == before, "load still arriving"
    finally:
        for proc in locust:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        if runner.poll() is None:
            runner.kill()
