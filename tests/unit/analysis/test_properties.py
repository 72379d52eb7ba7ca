"""Property: the judge never says PASS without enough data, whatever the samples and policy."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ai_deploy_ci.analysis.evaluate import MIN_BLOCKS
from ai_deploy_ci.analysis.judge import SequentialJudge, judge
from ai_deploy_ci.samples import Samples
from ai_deploy_ci.spec.model import AnalysisSpec, Metric, Slo
from tests.unit.analysis.factory import table

METRICS = (
    Metric("p95", "latency", 0.95, max_increase=0.10, critical=True),
    Metric("err", "errorRate", slo=Slo(max=0.05)),
    Metric("tp", "throughput", max_decrease=0.2),
)


@st.composite
def runs(draw: st.DrawFn) -> tuple[AnalysisSpec, dict[str, Samples], float, bool]:
    block = draw(st.sampled_from([5.0, 10.0, 15.0]))
    spec = AnalysisSpec(
        metrics=METRICS,
        block_length=block,
        min_duration=draw(st.sampled_from([30.0, 60.0, 90.0])),
        max_duration=300.0,
        on_inconclusive=draw(st.sampled_from(["fail", "pass", "extend"])),
    )
    blocks = draw(st.integers(0, 12))
    elapsed = blocks * block + draw(st.floats(0.0, block * 0.9))
    all_nan = draw(st.sampled_from([False, False, False, True]))
    samples = {}
    for target in ("baseline", "candidate"):
        n = draw(st.sampled_from([0, 1, 10, 200, 200, 200]))
        seed = draw(st.integers(0, 2**16))
        rng = np.random.default_rng(seed)
        lat = 100 * np.exp(rng.normal(0, 0.2, n))
        if all_nan:
            lat[:] = np.nan
        samples[target] = table(lat, np.sort(rng.uniform(0, max(elapsed, 1e-3), n)))
    enough = (
        blocks >= MIN_BLOCKS
        and blocks * block >= spec.min_duration
        and all(len(s) for s in samples.values())
        and not all_nan
    )
    return spec, samples, elapsed, enough


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs(), st.booleans())
def test_never_pass_without_enough_data(
    run: tuple[AnalysisSpec, dict[str, Samples], float, bool], final: bool
) -> None:
    spec, samples, elapsed, enough = run
    verdict = judge(spec, samples, elapsed=elapsed, final=final)
    if not enough:
        assert verdict["verdict"] != "PASS", verdict["reason"]
    for check in verdict["checks"]:
        if check["verdict"] == "PASS":
            assert verdict["blocks"] >= MIN_BLOCKS
            assert verdict["blocks"] * spec.block_length >= spec.min_duration
    streamed, _ = SequentialJudge(spec).update(samples, elapsed=elapsed)
    if not enough:
        assert streamed.name != "PASS"
    assert math.isfinite(verdict["score"] or 0.0)
