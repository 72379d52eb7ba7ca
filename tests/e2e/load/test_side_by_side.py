"""Baseline vs a candidate with +30 % latency and 2 % errors: the summary must see both."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ai_deploy_ci.artifacts import SAMPLES_FILE, SUMMARY_FILE
from ai_deploy_ci.load.runner import run_load_test
from ai_deploy_ci.load.samples_io import read_samples
from tests.e2e.load.helpers import Factory, make_spec, status_counts

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def test_injected_latency_and_errors_are_measured(model_server_factory: Factory, tmp_path: Path) -> None:
    base = model_server_factory(extra_latency_ms=30.0)
    cand = model_server_factory(extra_latency_ms=39.0, error_rate=0.02, model_version="v2")
    # no warm-up: the window then covers (nearly) every request the servers answered, so the
    # server's own count of injected errors is the truth to compare with
    spec = make_spec(users=8, warmup=0.0, duration=12.0)
    summary = run_load_test(spec, tmp_path, baseline_url=base.url, candidate_url=cand.url, base_dir=tmp_path)
    b, c = summary["targets"]["baseline"], summary["targets"]["candidate"]
    assert (tmp_path / SUMMARY_FILE).exists() and (tmp_path / SAMPLES_FILE).exists()

    # +30 % of the 30 ms service time = +9 ms injected; client and scheduling overhead add the
    # same to both targets, so the difference in ms is what must match the injection within 10 %
    diff = c["latency_ms"]["p50"] - b["latency_ms"]["p50"]
    assert abs(diff - 9.0) <= 0.9, diff
    assert c["latency_ms"]["p95"] > b["latency_ms"]["p95"] and c["rps"] < b["rps"]

    assert b["errors"] == 0
    rate = c["errors"] / c["count"]
    served = status_counts(cand.url, "predict")
    truth = served.get("500", 0.0) / sum(served.values())
    assert abs(rate - truth) <= 0.1 * truth, (rate, truth)  # what the server injected, within 10 %
    assert abs(rate - 0.02) <= 3 * math.sqrt(0.02 * 0.98 / c["count"])  # and consistent with 2 %
    assert set(c["errors_by_kind"]) == {"http-500"}

    assert b["count"] > 1500 and c["count"] > 1200
    assert c.get("agreement") == 1.0  # same model, same labels: versions differ only in timing
    samples = read_samples(tmp_path / SAMPLES_FILE)
    assert len(samples["baseline"]) == b["count"] and len(samples["candidate"]) == c["count"]
    assert summary["saturated"] is False and summary["warnings"] == []
