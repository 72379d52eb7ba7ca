"""Decision rules, table-driven: margins, SLOs, scores, policies — each case computed by hand."""

from __future__ import annotations

import math

import pytest

from ai_deploy_ci.analysis.noninferiority import ABSOLUTE, RELATIVE, Bound, bounds, decide
from ai_deploy_ci.analysis.scoring import combine
from ai_deploy_ci.analysis.slo import decide_slo, slo_bounds
from ai_deploy_ci.spec.model import Metric, Slo
from ai_deploy_ci.verdict import Verdict

P, UNDECIDED, F = Verdict.PASS, Verdict.INCONCLUSIVE, Verdict.FAIL
UP10 = Bound(math.log(1.1), True, "+10 %")  # latency: log-ratio must stay below log 1.1 = 0.0953
DOWN10 = Bound(math.log(0.9), False, "−10 %")  # throughput: log-ratio must stay above log 0.9 = −0.105


@pytest.mark.parametrize(
    ("low", "high", "bound", "enough", "expected"),
    [
        pytest.param(0.12, 0.30, UP10, True, F, id="latency-interval-above-margin-fails"),
        pytest.param(0.12, 0.30, UP10, False, F, id="fail-needs-no-minimum-duration"),
        pytest.param(-0.05, 0.09, UP10, True, P, id="latency-interval-below-margin-passes"),
        pytest.param(-0.05, 0.09, UP10, False, UNDECIDED, id="pass-needs-minimum-duration"),
        pytest.param(0.02, 0.11, UP10, True, UNDECIDED, id="straddles-margin-is-inconclusive"),
        pytest.param(-math.inf, math.inf, UP10, True, UNDECIDED, id="infinite-interval-is-inconclusive"),
        pytest.param(-0.30, -0.12, DOWN10, True, F, id="throughput-drop-beyond-margin-fails"),
        pytest.param(-0.08, 0.05, DOWN10, True, P, id="throughput-within-margin-passes"),
        pytest.param(-0.2, 0.0, DOWN10, True, UNDECIDED, id="throughput-straddles"),
    ],
)
def test_margin_rule(low: float, high: float, bound: Bound, enough: bool, expected: Verdict) -> None:
    assert decide(low, high, bound, enough=enough) is expected


@pytest.mark.parametrize(
    ("metric", "kind", "limits"),
    [
        pytest.param(
            Metric("p95", "latency", 0.95, max_increase=0.10),
            RELATIVE,
            [(math.log(1.1), True)],
            id="relative-increase-is-log-1-plus-m",
        ),
        pytest.param(
            Metric("tp", "throughput", max_decrease=0.10),
            RELATIVE,
            [(math.log(0.9), False)],
            id="relative-decrease-is-log-1-minus-m",
        ),
        pytest.param(
            Metric("err", "errorRate", max_increase=0.005),
            ABSOLUTE,
            [(0.005, True)],
            id="error-rate-margin-is-absolute-points",
        ),
        pytest.param(
            Metric("agree", "agreement", max_decrease=0.01),
            ABSOLUTE,
            [(-0.01, False)],
            id="agreement-margin-is-absolute-points",
        ),
        pytest.param(Metric("p95", "latency", 0.95), RELATIVE, [], id="no-margin"),
    ],
)
def test_margin_scales(metric: Metric, kind: str, limits: list[tuple[float, bool]]) -> None:
    got = bounds(metric, kind)
    assert [b.upper for b in got] == [u for _, u in limits]
    assert [b.limit for b in got] == pytest.approx([lim for lim, _ in limits])


@pytest.mark.parametrize(
    ("low", "high", "slo", "enough", "expected"),
    [
        pytest.param(180, 240, Slo(max=250), True, P, id="p95-interval-under-250ms-passes"),
        pytest.param(260, 300, Slo(max=250), True, F, id="p95-interval-over-250ms-fails"),
        pytest.param(230, 260, Slo(max=250), True, UNDECIDED, id="p95-interval-around-250ms-inconclusive"),
        pytest.param(180, 240, Slo(max=250), False, UNDECIDED, id="slo-pass-needs-minimum-duration"),
        pytest.param(0.985, 0.995, Slo(min=0.98), True, P, id="agreement-above-min-passes"),
        pytest.param(0.90, 0.97, Slo(min=0.98), True, F, id="agreement-below-min-fails"),
        pytest.param(5, 20, Slo(min=1, max=10), True, UNDECIDED, id="min-and-max-worst-of-both"),
        pytest.param(5, 20, None, True, P, id="no-slo-nothing-to-violate"),
        pytest.param(5, 20, None, False, UNDECIDED, id="no-slo-still-needs-data"),
    ],
)
def test_slo_rule(low: float, high: float, slo: Slo | None, enough: bool, expected: Verdict) -> None:
    assert decide_slo(low, high, slo, "ms", enough=enough) is expected


def test_slo_labels() -> None:
    assert [b.label for b in slo_bounds(Slo(max=250, min=1), "ms")] == ["≤ 250 ms", "≥ 1 ms"]
    assert [b.label for b in slo_bounds(Slo(max=0.01), "ratio")] == ["≤ 0.01"]


@pytest.mark.parametrize(
    ("results", "expected", "score"),
    [
        pytest.param([], UNDECIDED, None, id="no-metrics-inconclusive-never-pass"),
        pytest.param([(F, True, 1.0), (P, False, 1.0)], F, 100.0, id="critical-fail-decides-alone"),
        pytest.param(
            [(UNDECIDED, True, 1.0), (P, False, 1.0)], UNDECIDED, 100.0, id="critical-undecided-holds-run"
        ),
        pytest.param([(P, True, 1.0)], P, None, id="critical-only-pass"),
        # 3 of 4 weight passes: low = 75 < 95, high = 75 (the FAIL counts 0) ≥ 75 → marginal band
        pytest.param(
            [(P, False, 1.0), (P, False, 1.0), (P, False, 1.0), (F, False, 1.0)],
            UNDECIDED,
            75.0,
            id="kayenta-marginal-band",
        ),
        # weights 1 and 3, the heavy one fails: high = 25 < 75 → FAIL
        pytest.param([(P, False, 1.0), (F, False, 3.0)], F, 25.0, id="heavy-metric-fails-score"),
        # 19 of 20 weight passes: low = 95 ≥ pass 95 → PASS despite one failing light metric
        pytest.param([(P, False, 19.0), (F, False, 1.0)], P, 95.0, id="light-failure-within-pass-score"),
        # undecided counts as failing for low (50) and passing for high (100): not decided yet
        pytest.param([(P, False, 1.0), (UNDECIDED, False, 1.0)], UNDECIDED, 50.0, id="undecided-noncritical"),
    ],
)
def test_scoring(results: list[tuple[Verdict, bool, float]], expected: Verdict, score: float | None) -> None:
    got = combine(results, pass_score=95.0, marginal_score=75.0)
    assert got.verdict is expected
    assert got.score == score
