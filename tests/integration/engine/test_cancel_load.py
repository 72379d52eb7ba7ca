"""Cancellation during a gate with real load: `ai-deploy-ci run` (real Locust against baseline and
candidate through the local gateway) gets SIGINT at a random point of its analysis, as a
cancelled GitHub job does. Users, through the HTTPRoute's host, stop seeing the candidate within
1 s of the signal and no request fails; the command exits 130 with rollout.json `cancelled`, the
namespace equals its pre-run dump, and no Locust process is left behind."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.engine.conftest import objects_in
from tests.integration.engine.scenarios import assert_restored
from tests.integration.engine.test_cancel import Client, wait_for
from tests.support.fixtures_actions import REPO_ROOT, PipelineEnv, quick_spec

# the long variant of test_cancel.py (scripted gates) with real Locust load
pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]


def test_sigint_during_a_load_gate_rolls_back_with_no_user_on_the_candidate(
    pipeline_env: PipelineEnv, tmp_path: Path
) -> None:
    from ai_deploy_ci.cluster.api import Kube

    kube = Kube(pipeline_env.cluster.api_client())
    before = objects_in(kube, "default")
    spec = pipeline_env.write_spec(quick_spec("v2"))
    results = tmp_path / "results"
    client = Client(pipeline_env.gateway.public_url, {"Host": "demo.local"}).start()
    wait_for("stable to answer", lambda: "v1" in client.versions())
    log = (tmp_path / "run.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "ai_deploy_ci", "run", str(spec), "--kubeconfig",
         str(pipeline_env.cluster.kubeconfig_path), "--results-dir", str(results), "--no-report"],
        cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for("the candidate to take user traffic", lambda: "v2" in client.versions(), timeout=90)
        wait_for("the load gate to start", lambda: (results / "gates").is_dir(), timeout=90)
        time.sleep(random.uniform(1.0, 6.0))  # somewhere inside the 16 s of load
        assert proc.poll() is None, "the run ended before the signal"
        signalled = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=120)
        time.sleep(1.0)
    finally:
        client.stop()
        if proc.poll() is None:
            proc.kill()
    text = (tmp_path / "run.log").read_text()
    assert code == 130, text[-3000:]
    record = json.loads((results / "rollout.json").read_text())
    assert record["outcome"] == "cancelled", record
    assert "v2" not in client.versions(after=signalled + 1.0), "users reached the candidate after 1 s"
    assert not [v for v in client.versions() if v.startswith("error")], "user requests failed"
    assert_restored(kube, "default", before)
    leftover = subprocess.run(["pgrep", "-f", f"locust.*{results}"], capture_output=True, text=True)
    assert not leftover.stdout.strip(), f"Locust left running: {leftover.stdout}"
