"""Real servers, real Locust, real judge: `load-test` then `analyze` on a slower candidate.

The sample model servers differ only by EXTRA_LATENCY_MS (20 vs 40 ms), so p95 latency must
FAIL its +10 % margin, errors must PASS, and agreement on the predicted label must PASS.
About 30 s: 20 s of measured load, 2 s blocks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ai_deploy_ci.local.model_server.process import ModelServerProcess
from tests.unit.analysis.factory import canary_deploy

DEPLOY = canary_deploy(
    "20s",
    """\
load:
  payloads: [{text: great movie}, {text: terrible plot}]
  users: 4
  duration: 20s
  warmup: 2s
  agreement: {jsonPath: "$.predictions[0].label"}
analysis:
  blockLength: 2s
  minDuration: 10s
  maxDuration: 20s
  metrics:
    - {name: p95-latency, type: latency, quantile: 0.95, maxIncrease: 0.1, critical: true}
    - {name: error-rate, type: errorRate, slo: {max: 0.01}, maxIncrease: 0.01, critical: true}
    - {name: agreement, type: agreement, slo: {min: 0.95}}
""",
)


@pytest.mark.e2e
@pytest.mark.slow
def test_slower_candidate_fails_latency_only(
    tmp_path: Path, model_server_factory: Callable[..., ModelServerProcess]
) -> None:
    base = model_server_factory(model_version="v1", extra_latency_ms=20.0)
    cand = model_server_factory(model_version="v2", extra_latency_ms=40.0)
    spec = tmp_path / "deploy.yaml"
    spec.write_text(DEPLOY)
    out = tmp_path / "out"
    load = subprocess.run(
        [
            sys.executable,
            "-m",
            "ai_deploy_ci",
            "load-test",
            str(spec),
            "--baseline",
            base.url,
            "--candidate",
            cand.url,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert load.returncode == 0, load.stderr[-2000:]
    judged = subprocess.run(
        [sys.executable, "-m", "ai_deploy_ci", "analyze", str(out), "--spec", str(spec)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert judged.returncode == 4, judged.stderr[-2000:]
    verdict = json.loads((out / "verdict.json").read_text())
    by_name = {c["metric"]: c for c in verdict["checks"]}
    assert by_name["p95-latency"]["verdict"] == "FAIL"
    assert by_name["p95-latency"]["interval"][0] > 1.1
    assert by_name["error-rate"]["verdict"] == "PASS"
    assert by_name["agreement"]["verdict"] == "PASS", by_name["agreement"]["reason"]
