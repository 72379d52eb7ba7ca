"""The weight ↔ replica rounding rule, table-driven (the docstring's worked examples and more)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_deploy_ci.plan.replicas import candidate_replicas, effective_weight, split

TABLE = [
    # total, weight → candidate, stable, effective %
    (10, 10, 1, 9, 10.0),
    (3, 10, 1, 3, 25.0),
    (1, 50, 1, 1, 50.0),
    (4, 33, 2, 3, 40.0),
    (5, 0, 0, 5, 0.0),
    (5, 100, 5, 0, 100.0),
    (4, 25, 1, 3, 25.0),
    (4, 50, 2, 2, 50.0),
    (3, 70, 3, 1, 75.0),  # 2.1 rounds up to 3: integer arithmetic, no float noise
    (0, 50, 0, 0, 0.0),
]


@pytest.mark.parametrize(
    ("total", "weight", "cand", "stable", "eff"), TABLE, ids=[f"{t}x{w}%" for t, w, *_ in TABLE]
)
def test_split_table(total: int, weight: int, cand: int, stable: int, eff: float) -> None:
    assert split(total, weight) == (cand, stable)
    assert effective_weight(cand, stable) == eff


@given(st.integers(1, 200), st.integers(0, 100))
def test_split_invariants(total: int, weight: int) -> None:
    cand, stable = split(total, weight)
    assert total <= cand + stable <= total + 1  # at most a one-pod surge
    assert (cand > 0) == (weight > 0) and (stable > 0) == (weight < 100)
    assert candidate_replicas(total, weight) >= 1


@pytest.mark.parametrize("bad", [-1, 101])
def test_weight_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError):
        split(3, bad)
