"""Block cutting and the quantile helpers that replace sorting a whole run."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ai_deploy_ci.analysis.blocks import Cut, layout, quantile_of_runs, quantile_sorted
from tests.unit.analysis.factory import table


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(st.integers(-50, 50), max_size=120), min_size=1, max_size=8),
    st.floats(0.0, 1.0),
)
def test_quantile_of_sorted_runs_equals_numpy(runs: list[list[int]], q: float) -> None:
    """Duplicates, empty blocks and tiny blocks included: exactly np.quantile of the union."""
    arrays = [np.sort(np.asarray(r, dtype=np.float64)) for r in runs]
    union = np.concatenate(arrays)
    got = quantile_of_runs(arrays, q)
    if union.size == 0:
        assert got is None
    else:
        assert got == pytest.approx(float(np.quantile(union, q)), abs=1e-9)


def test_quantile_sorted_hand_case() -> None:
    # n = 5, p95: position 0.95 × 4 = 3.8 → 40 + 0.8 × (50 − 40) = 48
    assert quantile_sorted(np.array([10.0, 20.0, 30.0, 40.0, 50.0]), 0.95) == pytest.approx(48.0)


@pytest.mark.parametrize(
    ("last_t", "elapsed", "blocks"),
    [
        pytest.param(59.9, None, 6, id="last-request-just-before-60s-completes-block-6"),
        pytest.param(55.0, None, 5, id="half-a-block-does-not-count"),
        pytest.param(55.0, 60.0, 6, id="elapsed-known-from-summary"),
        pytest.param(55.0, 9.0, 0, id="less-than-one-block"),
    ],
)
def test_layout_counts_complete_blocks(last_t: float, elapsed: float | None, blocks: int) -> None:
    s = table([1.0, 1.0], [0.0, last_t])
    assert layout({"baseline": s}, 10.0, elapsed=elapsed).count == blocks


def test_cut_uses_time_order_slices() -> None:
    s = table([1.0] * 6, [0.5, 4.0, 10.0, 12.0, 25.0, 31.0])
    cut = Cut.of(s, layout({"b": s}, 10.0, elapsed=30.0))
    assert cut.bounds.tolist() == [0, 2, 4, 5]  # the request at 31 s is after the last complete block


def test_block_means_by_prefix_sums() -> None:
    from ai_deploy_ci.analysis.blocks import block_means

    values = np.array([1.0, 3.0, np.nan, 10.0, 20.0, 30.0, 5.0])
    keep = np.isfinite(values)
    per, overall = block_means(values, keep, np.array([0, 3, 6, 7]), min_size=1)
    assert per.tolist() == [2.0, 20.0, 5.0]  # the NaN is not kept; block 3 has one value
    assert overall == pytest.approx(69.0 / 6)


def test_itl_ignores_gaps_of_failed_requests() -> None:
    from ai_deploy_ci.analysis.observe import level
    from ai_deploy_ci.samples import Samples
    from ai_deploy_ci.spec.model import Metric

    n = 40
    ok = np.array([i % 4 != 0 for i in range(n)])
    gaps = [[5.0, 5.0] if good else [999.0, 999.0, 999.0] for good in ok]  # failed: huge gaps
    offsets = np.concatenate(([0], np.cumsum([len(g) for g in gaps]))).astype(np.int64)
    base = table([10.0] * n, np.linspace(0.0, 19.9, n), ok=ok)
    s = Samples(**{**base.__dict__, "itl_ms": np.concatenate(gaps), "itl_offsets": offsets})
    lay = layout({"b": s}, 10.0, elapsed=20.0)
    obs = level(Metric("itl", "itl", 0.9), Cut.of(s, lay), Cut.of(s, lay), lay)
    assert obs.baseline == 5.0 and obs.base_blocks.tolist() == [5.0, 5.0]
