from __future__ import annotations

import math

import numpy as np
import pytest

from ai_deploy_ci.load.summary import (
    bucket_length,
    goodput,
    quantiles,
    summarize_target,
    timeline,
    tokens_per_second,
    tpot_ms,
)
from tests.unit.load.helpers import make_samples


def test_quantiles_are_exact_not_bucketed() -> None:
    # Locust would report 1500 for all of these; we must see the 3 % shift
    q = quantiles(np.array([1500.0, 1545.0, 1545.0, 1545.0, 1545.0]))
    assert q is not None and q["p50"] == 1545.0 and q["max"] == 1545.0


def test_quantiles_of_nothing() -> None:
    assert quantiles(np.array([math.nan])) is None


def test_timeline_buckets() -> None:
    s = make_samples([10, 20, 30, 40], t=[0.1, 0.9, 1.2, 2.5], ok=[True, True, False, True])
    b = timeline(s, duration=3.0, length=1.0)
    assert [x["requests"] for x in b] == [2, 1, 1]
    assert [x["errors"] for x in b] == [0, 1, 0]
    assert b[0]["rps"] == 2.0 and b[0]["p50"] == 15.0


@pytest.mark.parametrize(("duration", "length"), [(30, 1.0), (60, 1.0), (120, 2.0), (600, 10.0)])
def test_bucket_length(duration: float, length: float) -> None:
    assert bucket_length(duration) == length


def test_token_metrics() -> None:
    # 5 tokens: TTFT 50, then 4 gaps of 20 → latency 130; TPOT = (130 − 50) / 4 = 20
    s = make_samples([130.0, 90.0], ttft=[50.0, 30.0], tokens=[5, 4],
                     itl=[[20.0] * 4, [20.0] * 3])
    assert tpot_ms(s) == 20.0
    assert tokens_per_second(s) == pytest.approx((5 / 0.13 + 4 / 0.09) / 2, rel=1e-3)


def test_summarize_target() -> None:
    base = make_samples([10.0] * 10, payload=list(range(10)), output=['"x"'] * 10)
    cand = make_samples([10.0 + i for i in range(10)], ok=[True] * 9 + [False],
                        payload=list(range(10)), output=['"x"'] * 8 + ['"y"', ""])
    out = summarize_target(cand, url="http://c", duration=2.0, reference=base)
    assert out["count"] == 10 and out["errors"] == 1 and out["errors_by_kind"] == {"http-503": 1}
    assert out["rps"] == 5.0
    assert out["latency_ms"]["p50"] == 14.5 and out["latency_ms"]["max"] == 19.0
    assert out["agreement"] == pytest.approx(8 / 9)
    assert "ttft_ms" not in out and "tpot_ms" not in out
    assert sum(b["requests"] for b in out["timeline"]) == 10


def test_summarize_empty_target() -> None:
    out = summarize_target(make_samples([]), url="u", duration=10.0)
    assert out["count"] == 0 and out["latency_ms"]["p50"] == 0.0


def test_goodput_counts_requests_meeting_every_slo() -> None:
    s = make_samples([100.0, 300.0, 100.0, 100.0], ok=[True, True, False, True],
                     ttft=[20.0, 20.0, 20.0, 90.0], tokens=[5, 5, 5, 2])
    assert goodput(s, 2.0) == 1.5  # the three successful requests
    assert goodput(s, 2.0, latency_ms=200.0) == 1.0
    assert goodput(s, 2.0, latency_ms=200.0, ttft_ms=50.0) == 0.5
    assert goodput(s, 2.0, tpot_ms=20.0) == 1.0  # (100-20)/4 = 20 ok; (300-20)/4 = 70 no; (100-90)/1 = 10 ok
    assert goodput(make_samples([10.0]), 1.0, ttft_ms=50.0) == 0.0  # not streamed: no TTFT to meet
