"""The robust betting test and the rollout-wide record: validity on spiky noise, robustness, carrying."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ai_deploy_ci.analysis import betting, sequential
from ai_deploy_ci.analysis.judge import judge
from ai_deploy_ci.analysis.rollout import RolloutTests
from ai_deploy_ci.spec.model import AnalysisSpec, Metric
from tests.unit.analysis.factory import blocks_table

M = math.log(1.1)
P95 = Metric("p95", "latency", 0.95, max_increase=0.10, critical=True)
SPEC = AnalysisSpec(metrics=(P95,), block_length=10.0, min_duration=30.0, max_duration=120.0)


def _spiky(rng: np.random.Generator, runs: int, looks: int, centre: float) -> np.ndarray:
    """Block differences: N(centre, 0.07) plus, in 20 % of blocks, a ±0.5 spike of either sign."""
    x = rng.normal(centre, 0.07, (runs, looks))
    spike = rng.random((runs, looks)) < 0.2
    return x + spike * rng.choice([-1.0, 1.0], (runs, looks)) * rng.exponential(0.5, (runs, looks))


def test_fail_side_holds_alpha_at_the_margin_under_spikes() -> None:
    rng = np.random.default_rng(13)
    x = _spiky(rng, 800, 30, M)  # true effect exactly at the margin: any FAIL is false
    fails = sum(betting.crossings(row, M, 0.05, M)[0] is not None for row in x)
    assert fails / len(x) <= 0.05


def test_pass_side_holds_alpha_at_the_margin_under_spikes() -> None:
    rng = np.random.default_rng(14)
    x = _spiky(rng, 800, 30, M)
    passes = sum(betting.crossings(row, M, 0.05, M)[1] is not None for row in x)
    assert passes / len(x) <= 0.05


def test_two_spikes_do_not_hide_a_clear_regression_from_it_but_do_from_the_msprt() -> None:
    x = np.full(16, math.log(1.3)) + np.tile([0.01, -0.01], 8)
    x[[2, 7]] = [-1.5, -1.2]  # two baseline spikes: the candidate looked much faster there
    fail, _ = betting.crossings(x, M, 0.05, M)
    low, _high = sequential.bounds(x, 0.05)
    assert fail is not None  # each spike costs a factor 1 − λ of wealth, never more
    assert low < M  # the t-mixture's variance estimate is blown up by the two blocks


def test_fresh_shares_sum_to_at_most_one() -> None:
    assert sum(betting.start_weight(g) for g in range(60)) <= 1.0
    assert betting.start_weight(0) == 0.75


def test_interval_brackets_a_steady_effect() -> None:
    x = np.full(20, 0.2) + np.tile([0.02, -0.02], 10)
    low, high = betting.interval(x, 0.05, M)
    assert low < 0.2 < high and high - low < 0.2


def test_the_second_gate_carries_the_first_gates_blocks() -> None:
    """+30 % for 4 blocks per gate: one gate alone cannot prove it (6 blocks needed), two can."""
    base = blocks_table([np.linspace(50, 100, 100).tolist()] * 4)
    cand = blocks_table([np.linspace(65, 130, 100).tolist()] * 4)
    alone = judge(SPEC, {"baseline": base, "candidate": cand}, final=False)
    tests = RolloutTests()
    first = judge(SPEC, {"baseline": base, "candidate": cand}, final=False, carried=tests)
    tests.commit()
    second = judge(SPEC, {"baseline": base, "candidate": cand}, final=False, carried=tests)
    assert alone["verdict"] == first["verdict"] == "INCONCLUSIVE"
    assert second["verdict"] == "FAIL"
    assert "8 over the rollout" in second["checks"][0]["test"]
    again = RolloutTests.from_json(tests.to_json())
    assert again.series == tests.series and again.gates == 1


def test_nothing_is_detectable_in_fewer_blocks_than_the_bet_needs() -> None:
    assert betting.detectable(0.08, 5, 0.05) == math.inf  # (1 + λ)^5 < 1/α however large the effect


@pytest.mark.parametrize("blocks", [6, 10, 20])
def test_detectable_shrinks_with_more_blocks(blocks: int) -> None:
    assert betting.detectable(0.08, blocks, 0.05) >= betting.detectable(0.08, blocks + 10, 0.05)
    assert betting.blocks_needed(betting.detectable(0.08, blocks, 0.05), 0.08, 0.05) <= blocks + 1e-6
