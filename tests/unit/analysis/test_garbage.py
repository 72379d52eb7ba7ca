"""Broken measurements can never PASS (issue #13, item 6), and an error margin decides (item 4)."""

from __future__ import annotations

import numpy as np

from ai_deploy_ci.analysis.judge import judge
from ai_deploy_ci.samples import Samples
from ai_deploy_ci.spec.model import AnalysisSpec, Metric, Slo
from tests.unit.analysis.factory import lognormal_run, table

P95 = Metric("p95", "latency", 0.95, max_increase=0.10, critical=True)
SLO_ONLY = Metric("p95-slo", "latency", 0.95, slo=Slo(max=250.0), critical=True)


def _spec(*metrics: Metric, policy: str = "pass") -> AnalysisSpec:
    return AnalysisSpec(metrics=metrics, block_length=10.0, min_duration=30.0, max_duration=120.0,
                        on_inconclusive=policy)  # type: ignore[arg-type]


def _run(seed: int, blocks: int = 12, **kw: object) -> Samples:
    return lognormal_run(np.random.default_rng(seed), blocks, **kw)  # type: ignore[arg-type]


def _shift(s: Samples, dt: float = 0.0, keep: np.ndarray | None = None, scale: float = 1.0) -> Samples:
    keep = np.ones(len(s), bool) if keep is None else keep
    return table(s.latency_ms[keep] * scale, s.t[keep] + dt)


def test_negative_latencies_never_pass_an_slo_only_metric() -> None:
    base = _run(1)
    cand = _shift(_run(2), scale=-1.0)
    v = judge(_spec(SLO_ONLY), {"baseline": base, "candidate": cand})
    assert v["verdict"] != "PASS"
    assert any("no valid latency" in p for p in v.get("problems", []))


def test_half_the_latencies_nan_is_a_counted_problem_not_a_silent_drop() -> None:
    cand = _run(2)
    lat = cand.latency_ms.copy()
    lat[::2] = np.nan
    v = judge(_spec(P95), {"baseline": _run(1), "candidate": table(lat, cand.t)})
    assert v["verdict"] != "PASS"
    assert any(f"{lat.size // 2} of {lat.size}" in p for p in v.get("problems", []))


def test_a_few_nan_latencies_are_dropped_with_a_warning() -> None:
    cand = _run(2)
    lat = cand.latency_ms.copy()
    lat[:3] = np.nan
    v = judge(_spec(P95), {"baseline": _run(1), "candidate": table(lat, cand.t)})
    assert any("3 of" in w and "dropped" in w for w in v.get("warnings", []))


def test_a_candidate_with_traffic_in_one_block_of_eight_cannot_pass() -> None:
    base, cand = _run(1, 8), _run(2, 8)
    v = judge(_spec(P95), {"baseline": base, "candidate": _shift(cand, keep=cand.t < 10.0)})
    assert v["verdict"] != "PASS"


def test_samples_covering_30_of_120_s_cannot_pass() -> None:
    base, cand = _run(1), _run(2)
    v = judge(_spec(P95), {"baseline": base, "candidate": _shift(cand, keep=cand.t < 30.0)}, elapsed=120.0)
    assert v["verdict"] != "PASS"
    assert "do not cover" in v["reason"]


def test_a_clock_skew_of_minus_60_s_cannot_pass() -> None:
    base, cand = _run(1), _run(2)
    v = judge(_spec(P95), {"baseline": base, "candidate": _shift(cand, dt=-60.0)}, elapsed=120.0)
    assert v["verdict"] != "PASS"
    assert v["on_inconclusive"].startswith("pass (not applied")


def _errors(seed: int, burst_block: int, rate: float, blocks: int = 24) -> Samples:
    """1,000 requests per 10 s block at `rate` errors, and one burst block at 5 %."""
    rng = np.random.default_rng(seed)
    n = 1000 * blocks
    t = np.sort(rng.uniform(0, 10.0 * blocks, n))
    t[-1] = 10.0 * blocks - 1e-3
    p = np.where(t // 10 == burst_block, 0.05, rate)
    return table(np.full(n, 50.0), t, ok=rng.random(n) >= p)


def test_a_half_point_error_margin_decides_through_bursts() -> None:
    """A/A at 0.5 % errors with one burst block per target, 24k requests each: the +0.5 point
    margin PASSes; the candidate at ×3 (1.5 %) FAILs. Before: INCONCLUSIVE both (the burst's
    dispersion shrank the Bonferroni pair's effective sample to nothing)."""
    err = Metric("errors", "errorRate", max_increase=0.005, critical=True)
    spec = AnalysisSpec(metrics=(err,), block_length=10.0, min_duration=30.0, max_duration=300.0)
    for seed in range(3):
        base = _errors(2 * seed, 3, 0.005)
        same = judge(spec, {"baseline": base, "candidate": _errors(2 * seed + 1, 17, 0.005)}, final=False)
        worse = judge(spec, {"baseline": base, "candidate": _errors(2 * seed + 1, 17, 0.015)}, final=False)
        assert (same["verdict"], worse["verdict"]) == ("PASS", "FAIL"), same["checks"][0]["reason"]
