"""Real Locust: a three-stage open-model ramp on both targets, and goodput against a latency SLO."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from ai_deploy_ci.artifacts import SAMPLES_FILE, SUMMARY_FILE
from ai_deploy_ci.load.runner import run_load_test
from ai_deploy_ci.load.samples_io import read_samples
from ai_deploy_ci.spec.model import AnalysisSpec, LoadStage, Metric, Slo
from tests.e2e.load.helpers import Factory, make_spec

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]


def test_open_stages_ramp_both_targets_side_by_side(model_server_factory: Factory, tmp_path: Path) -> None:
    base = model_server_factory()
    cand = model_server_factory(model_version="v2")
    stages = (LoadStage(2.0, rate=5.0), LoadStage(2.0, rate=20.0), LoadStage(2.0, rate=5.0))
    spec = make_spec(model="open", arrival="constant", stages=stages, warmup=0.0)
    summary = run_load_test(spec, tmp_path, baseline_url=base.url, candidate_url=cand.url, base_dir=tmp_path)
    assert summary["duration_s"] == 6.0
    assert summary["load_model"] == "open: constant stages 2s@5/s → 2s@20/s → 2s@5/s per target"
    samples = read_samples(tmp_path / SAMPLES_FILE)
    for target in ("baseline", "candidate"):
        t = samples[target].t  # seconds since the measured window started, kept per request
        per_stage = [int(((t >= a) & (t < a + 2.0)).sum()) for a in (0.0, 2.0, 4.0)]
        # constant arrivals: exactly 10, 40, 10 on an idle machine; a loaded one may start a few late
        assert 50 <= sum(per_stage) <= 60, (target, per_stage)  # never more than scheduled
        ratio = per_stage[1] / (0.5 * (per_stage[0] + per_stage[2]))
        assert 3.0 <= ratio <= 5.0, (target, per_stage)
        assert summary["targets"][target]["count"] == len(t)
    assert summary["warnings"] == []


def test_closed_stages_change_the_concurrency_of_both_targets(
    model_server_factory: Factory, tmp_path: Path
) -> None:
    server = model_server_factory(extra_latency_ms=20.0)
    stages = (LoadStage(2.0, users=1), LoadStage(2.0, users=4), LoadStage(2.0, users=1))
    spec = make_spec(stages=stages, warmup=0.0)
    run_load_test(spec, tmp_path, baseline_url=server.url, candidate_url=server.url, base_dir=tmp_path)
    samples = read_samples(tmp_path / SAMPLES_FILE)
    for target in ("baseline", "candidate"):
        s = samples[target]
        # Little's law: busy user-seconds / elapsed seconds = users in flight; Locust's shape ticks
        # once a second, so each stage's first half second is left out
        busy = [
            float(s.latency_ms[(s.t >= a + 0.5) & (s.t < a + 2.0)].sum()) / 1000.0 / 1.5
            for a in (0.0, 2.0, 4.0)
        ]
        assert 0.7 <= busy[0] <= 1.1 and 0.7 <= busy[2] <= 1.1, (target, busy)
        assert 2.8 <= busy[1] <= 4.2, (target, busy)


def test_goodput_excludes_requests_over_the_latency_slo(
    model_server_factory: Factory, tmp_path: Path
) -> None:
    fast = model_server_factory()
    slow = model_server_factory(tail_latency_ms=300.0, tail_probability=0.3, model_version="v2")
    spec = make_spec(model="open", arrival="constant", arrival_rate=25.0, warmup=0.0, duration=4.0)
    spec = dataclasses.replace(
        spec,
        analysis=AnalysisSpec(
            metrics=(
                Metric(name="p95", type="latency", quantile=0.95, slo=Slo(max=150.0)),
                Metric(name="errors", type="errorRate", slo=Slo(max=0.01)),
            )
        ),
    )
    run_load_test(spec, tmp_path, baseline_url=fast.url, candidate_url=slow.url, base_dir=tmp_path)
    summary = json.loads((tmp_path / SUMMARY_FILE).read_text())
    assert summary["goodput_slos"] == {"latency_ms": 150.0}
    samples = read_samples(tmp_path / SAMPLES_FILE)
    for target in ("baseline", "candidate"):
        s, figures = samples[target], summary["targets"][target]
        within = int((s.ok & (s.latency_ms <= 150.0)).sum())
        assert figures["goodput"] == pytest.approx(within / 4.0, abs=1e-3)  # exactly what the samples say
    b, c = summary["targets"]["baseline"], summary["targets"]["candidate"]
    assert b["goodput"] >= 0.9 * b["rps"]  # a fast server meets the SLO (almost) always
    share = c["goodput"] / c["rps"]  # the slow server's 30 % tail misses it
    assert 0.5 <= share <= 0.85, share
    assert float(np.max(samples["candidate"].latency_ms)) > 300.0
