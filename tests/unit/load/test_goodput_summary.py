"""Goodput as a summary.json field, against the SLOs declared in the analysis section."""

from __future__ import annotations

from ai_deploy_ci.load.summary import goodput_slos, summarize_target
from ai_deploy_ci.spec.model import Metric, Slo
from tests.unit.load.helpers import make_samples


def test_slos_come_from_latency_ttft_itl_maxima_tightest_first() -> None:
    metrics = (
        Metric(name="p95", type="latency", quantile=0.95, slo=Slo(max=250.0)),
        Metric(name="p99", type="latency", quantile=0.99, slo=Slo(max=400.0)),
        Metric(name="ttft", type="ttft", quantile=0.9, slo=Slo(max=500.0)),
        Metric(name="itl", type="itl", quantile=0.9, slo=Slo(max=40.0)),
        Metric(name="itl-margin", type="itl", max_increase=0.1),  # a margin is not an SLO
        Metric(name="errors", type="errorRate", slo=Slo(max=0.01)),  # not per request
        Metric(name="tps", type="tokensPerSecond", slo=Slo(min=20.0)),
    )
    assert goodput_slos(metrics) == {"latency_ms": 250.0, "ttft_ms": 500.0, "itl_p90_ms": 40.0}
    assert goodput_slos(()) == {}


def test_target_summary_has_goodput_with_and_without_slos() -> None:
    s = make_samples([100.0, 300.0, 150.0, 20.0], ok=[True, True, True, False])
    plain = summarize_target(s, url="u", duration=2.0)
    assert plain["goodput"] == 1.5  # no SLO: successful requests per second
    judged = summarize_target(s, url="u", duration=2.0, slos={"latency_ms": 200.0})
    assert judged["goodput"] == 1.0  # 300 ms misses the SLO, the fast failure never counts
    assert judged["rps"] == 2.0
