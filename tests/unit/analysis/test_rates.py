"""Always-valid proportion intervals, with numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ai_deploy_ci.analysis.rates import difference_interval, dispersion, rate_interval


def test_no_data_is_the_whole_unit_interval() -> None:
    assert rate_interval(0, 0, 0.05) == (0.0, 1.0)


def test_zero_hits_upper_bound_matches_hand_computation() -> None:
    # s = 0: M(p) = B(½, n+½)/B(½, ½) / (1−p)^n; M = 1/α ⇔ p = 1 − (α · B(½, n+½)/B(½,½))^(1/n)
    n, alpha = 5000, 0.05
    ratio = math.exp(math.lgamma(0.5) + math.lgamma(n + 0.5) - math.lgamma(n + 1.0)) / math.pi
    expected = 1 - (alpha * ratio) ** (1 / n)
    low, high = rate_interval(0, n, alpha)
    assert low == 0.0
    assert high == pytest.approx(expected, rel=1e-9)
    assert 0.0015 < high < 0.0017  # ≈ 8/5000: the price of looking at every block


def test_interval_contains_the_estimate_and_shrinks() -> None:
    prev = 1.0
    for n in (100, 1000, 10000):
        low, high = rate_interval(0.02 * n, n, 0.05)
        assert low < 0.02 < high
        assert high - low < prev
        prev = high - low


def test_coverage_at_every_look() -> None:
    rng = np.random.default_rng(11)
    p, misses = 0.03, 0
    for _ in range(150):
        hits = np.cumsum(rng.random(2000) < p)
        looks = np.arange(200, 2001, 200)
        misses += any(
            not (lo <= p <= hi)
            for lo, hi in (rate_interval(float(hits[k - 1]), float(k), 0.05) for k in looks)
        )
    assert misses / 150 <= 0.05


@pytest.mark.parametrize(
    ("hits", "expected"),
    [
        pytest.param([5, 5, 5, 5], 1.0, id="even-spread-no-correction"),
        pytest.param([0, 0, 0, 20], 20.0, id="one-burst-twentyfold"),  # χ² = 60 over 3 df
        pytest.param([0, 0, 0, 0], 1.0, id="no-errors"),
    ],
)
def test_dispersion(hits: list[int], expected: float) -> None:
    assert dispersion(np.array(hits), np.full(4, 1000)) == pytest.approx(expected, rel=0.01)


def test_difference_interval_sign() -> None:
    low, high = difference_interval(
        np.array([1] * 10), np.array([1000] * 10), np.array([30] * 10), np.array([1000] * 10), 0.05
    )
    assert 0.02 < low < 0.029 < high < 0.04
