"""Aggregate output tokens/s, and goodput's ITL bound on the judged `itl` definition (gaps)."""

from __future__ import annotations

import numpy as np
import pytest

from ai_deploy_ci.load.summary import goodput, goodput_slos, request_gaps, summarize_target
from ai_deploy_ci.spec.model import Metric, Slo
from tests.unit.load.helpers import make_samples


def test_output_tokens_per_second_is_the_aggregate_of_successful_requests() -> None:
    s = make_samples([1000.0, 500.0, 200.0], ok=[True, True, False], ttft=[100.0, 100.0, 50.0],
                     tokens=[32, 8, 4])
    out = summarize_target(s, url="u", duration=4.0)
    assert out["output_tokens_per_second"] == 10.0  # (32 + 8) / 4 s; the failed request's 4 not counted
    assert out["tokens_per_second"] == 24.0  # per request then the mean: (32/1 + 8/0.5) / 2
    assert "output_tokens_per_second" not in summarize_target(make_samples([5.0]), url="u", duration=1.0)


def test_request_gaps_match_numpy_per_request() -> None:
    rng = np.random.default_rng(1)
    gaps = [list(rng.uniform(10, 30, n)) for n in (0, 1, 2, 7, 31)]
    n = len(gaps)
    s = make_samples([100.0] * n, ttft=[10.0] * n, tokens=[len(g) + 1 for g in gaps], itl=gaps)
    for q in (None, 0.5, 0.95):
        got = request_gaps(s, q)
        want = [np.nan if not g else (np.mean(g) if q is None else np.percentile(g, q * 100)) for g in gaps]
        np.testing.assert_allclose(got, want)


def test_goodput_itl_bound_is_the_judged_statistic_under_jitter() -> None:
    # 20 ms mean gap, but one gap in ten is 35 ms: TPOT 20 ms meets a p95 ≤ 25 ms SLO,
    # the p95 of the gaps (what the judge computes for `itl` at quantile 0.95) does not
    one = [18.33] * 27 + [35.0] * 3
    s = make_samples([10.0 + sum(one)] * 4, ttft=[10.0] * 4, tokens=[31] * 4, itl=[one] * 4)
    pooled_p95 = float(np.percentile(np.concatenate([one] * 4), 95))
    assert pooled_p95 > 25.0
    slos = goodput_slos([Metric(name="itl", type="itl", quantile=0.95, slo=Slo(max=25.0))])
    assert slos == {"itl_p95_ms": 25.0}
    assert goodput(s, 1.0, **slos) == 0.0  # no request is good on the judged definition
    assert goodput(s, 1.0, itl_p95_ms=36.0) == 4.0
    assert goodput(s, 1.0, tpot_ms=25.0) == 4.0  # vLLM's TPOT still available, and it would pass


@pytest.mark.parametrize(("quantile", "key"),
                         [(None, "itl_mean_ms"), (0.9, "itl_p90_ms"), (0.99, "itl_p99_ms")])
def test_itl_slo_keyword_names_its_statistic(quantile: float | None, key: str) -> None:
    assert goodput_slos([Metric(name="i", type="itl", quantile=quantile, slo=Slo(max=9.0))]) == {key: 9.0}
