"""`ai-deploy-ci analyze DIR` in a real process: samples.jsonl.gz + summary.json in, verdict.json out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ai_deploy_ci.load.samples_io import write_samples
from tests.unit.analysis.factory import canary_deploy, lognormal_run

DEPLOY = canary_deploy(
    "60s",
    """\
load: {payloads: [{text: a}], users: 10, duration: 60s, warmup: 5s}
analysis:
  blockLength: 5s
  minDuration: 30s
  maxDuration: 60s
  onInconclusive: fail
  metrics:
    - {name: p95-latency, type: latency, quantile: 0.95, maxIncrease: 0.1, critical: true}
    - {name: error-rate, type: errorRate, slo: {max: 0.01}, critical: true}
""",
)


def analyze(directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ai_deploy_ci", "analyze", str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("scale", "saturated", "code", "verdict"),
    [
        pytest.param(100.0, False, 0, "PASS", id="same-latency-passes-exit-0"),
        pytest.param(160.0, False, 4, "FAIL", id="slower-candidate-fails-exit-4"),
        pytest.param(100.0, True, 4, "FAIL", id="saturated-is-inconclusive-then-policy-fail"),
    ],
)
def test_analyze(tmp_path: Path, scale: float, saturated: bool, code: int, verdict: str) -> None:
    rng = np.random.default_rng(5)
    write_samples(
        tmp_path / "samples.jsonl.gz",
        {
            "baseline": lognormal_run(rng, 12, per_block=100, block_s=5.0),
            "candidate": lognormal_run(rng, 12, per_block=100, block_s=5.0, scale=scale),
        },
    )
    (tmp_path / "summary.json").write_text(json.dumps({"duration_s": 60.0, "saturated": saturated}))
    (tmp_path / "deploy.yaml").write_text(DEPLOY)
    proc = analyze(tmp_path)
    assert proc.returncode == code, proc.stderr
    result = json.loads((tmp_path / "verdict.json").read_text())
    assert result["verdict"] == verdict
    assert result["blocks"] == 12
    assert "p95-latency" in proc.stdout
    if saturated:
        assert result["on_inconclusive"] == "fail" and "saturated" in result["reason"]


def test_missing_samples_is_a_clear_input_error(tmp_path: Path) -> None:
    proc = analyze(tmp_path)
    assert proc.returncode == 2
    assert "samples.jsonl.gz does not exist" in proc.stderr and "Traceback" not in proc.stderr
