"""The always-valid bounds: closed form against hand computation, validity, monotonicity."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ai_deploy_ci.analysis.sequential import bounds, crossed_lower, crossed_upper, log_bf_upper, lower_bounds


@pytest.mark.parametrize(
    ("y", "expected"),
    [
        # n=2, y=(1,1), g=2: a=√2, g/(1+ng)=0.4, rest=0.2, k=2, F_t2(2√2)=1/2+1/√5 → BF = √5 + 2
        pytest.param([1.0, 1.0], math.log(math.sqrt(5) + 2), id="two-equal-positive"),
        # the mirror image: F_t2(−2√2) = 1/2 − 1/√5 → BF = √5 − 2
        pytest.param([-1.0, -1.0], math.log(math.sqrt(5) - 2), id="two-equal-negative"),
        # n=1: only the sign is scale-free information; a=1, rest=1/3, k=√2, F_t1(√2)=1/2+atan(√2)/π,
        # BF = 2·3^(-1/2)·(1/3)^(-1/2)·F = 2F
        pytest.param([3.0], math.log(2 * (0.5 + math.atan(math.sqrt(2)) / math.pi)), id="one-observation"),
        # a = 0 (mean exactly θ0): BF = (1 + n g)^(-1/2)
        pytest.param([1.0, -1.0, 2.0, -2.0], -0.5 * math.log(9.0), id="centred"),
    ],
)
def test_bayes_factor_closed_form(y: list[float], expected: float) -> None:
    v = np.asarray(y)
    got = float(log_bf_upper(np.array(v.size), np.array(v.sum()), np.array((v * v).sum()), g=2.0))
    assert got == pytest.approx(expected, rel=1e-9)


def test_constant_effect_is_proven_at_the_fourth_block() -> None:
    """BF of n equal positive blocks is 2(1+2n)^((n-1)/2)·F ≈ 4.2, 13.9, 54: crosses 1/0.05 at n=4."""
    x = np.full(6, 0.3)
    assert crossed_upper(x, 0.0, 0.05).tolist() == [False, False, False, True, True, True]
    assert crossed_lower(-x, 0.0, 0.05).tolist() == [False, False, False, True, True, True]


def test_never_crosses_more_than_alpha_under_the_null() -> None:
    rng = np.random.default_rng(7)
    x = rng.normal(0.0, 1.0, (4000, 30))
    assert crossed_upper(x, 0.0, 0.05)[:, -1].mean() <= 0.05
    assert crossed_upper(x * 50 + 3.0, 3.0, 0.01)[:, -1].mean() <= 0.01  # location/scale free


def test_bounds_agree_with_crossings_and_only_tighten() -> None:
    rng = np.random.default_rng(8)
    x = rng.normal(0.4, 1.0, (50, 15))
    low = lower_bounds(x, 0.05)
    assert np.all((low[:, 1:] >= low[:, :-1]) | np.isneginf(low[:, :-1]))
    for theta in (-0.5, 0.0, 0.3):
        assert np.array_equal(low > theta, crossed_upper(x, theta, 0.05))


@pytest.mark.parametrize(
    ("x", "finite"),
    [
        pytest.param([], False, id="empty"),
        pytest.param([np.nan, np.nan], False, id="all-nan"),
        pytest.param([0.1], False, id="one-block"),
        pytest.param([0.1, 0.12, 0.09, 0.11, 0.1, 0.1], True, id="six-blocks"),
    ],
)
def test_bounds_need_data(x: list[float], finite: bool) -> None:
    low, high = bounds(np.asarray(x, dtype=float), 0.05)
    assert (math.isfinite(low) and math.isfinite(high)) is finite
    if finite:
        assert low < 0.1 < high
