"""Cut each target's requests into time blocks and reduce every block to one statistic.

Why blocks: requests are autocorrelated (a slow GC, a noisy neighbour, a batching queue), so
tests on raw requests false-alarm (28–35 % on A/A, GUIDE §5). Statistics of 10–30 s blocks are
close to independent once the drift shared by both targets is removed by pairing block k of
the candidate with block k of the baseline. Everything here is O(n) apart from the per-block
`np.quantile` (a partition, also O(n)); no sorting of the whole run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ai_deploy_ci.samples import Samples

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MIN_REQUESTS_PER_BLOCK = 5  # fewer: the block's quantile is undefined (NaN), never a guess
COMPLETE_SHARE = 0.98  # a last block covered to 98 % counts as complete (request spacing)


@dataclass(frozen=True)
class Layout:
    """The blocks both targets share: [start + k·length, start + (k+1)·length), k < count."""

    count: int
    length: float
    start: float = 0.0

    @property
    def elapsed(self) -> float:
        """Seconds of load the complete blocks cover (what min/max duration are compared with)."""
        return self.count * self.length

    def edges(self) -> FloatArray:
        return self.start + self.length * np.arange(self.count + 1, dtype=np.float64)


def layout(
    samples: dict[str, Samples], block_length: float, warmup: float = 0.0, elapsed: float | None = None
) -> Layout:
    """Complete blocks of the run: from `elapsed` if the caller knows it, else from the last request."""
    if block_length <= 0:
        raise ValueError("block_length must be positive")
    if elapsed is None:
        ends = [float(np.nanmax(s.t)) for s in samples.values() if len(s) and np.isfinite(s.t).any()]
        if not ends:
            return Layout(0, block_length, warmup)
        elapsed = max(ends) + (1.0 - COMPLETE_SHARE) * block_length
    count = max(0, math.floor((elapsed - warmup) / block_length + 1e-9))
    return Layout(count, block_length, warmup)


def time_order(s: Samples) -> IntArray | None:
    """Permutation that sorts by start time, or None when already sorted (the usual case)."""
    if s.t.size < 2 or bool(np.all(s.t[1:] >= s.t[:-1])):
        return None
    return np.argsort(s.t, kind="stable").astype(np.int64)


@dataclass
class Cut:
    """One target's time-ordered samples cut by a layout: block k is rows bounds[k]:bounds[k+1].

    Slices instead of a per-row block index keep every per-block pass a view (no copies),
    which is what makes a million samples cheap. `cache` holds filtered columns shared by
    metrics (p95 and p99 of the same latencies).
    """

    samples: Samples
    bounds: IntArray
    cache: dict[str, npt.NDArray[Any]] = field(default_factory=dict)
    blocks: dict[str, list[FloatArray]] = field(default_factory=dict)

    @classmethod
    def of(cls, s: Samples, lay: Layout) -> Cut:
        return cls(s, np.searchsorted(s.t, lay.edges(), side="left").astype(np.int64))

    @property
    def count(self) -> int:
        return int(self.bounds.size - 1)

    @property
    def rows(self) -> slice:
        return slice(int(self.bounds[0]), int(self.bounds[-1]))


def quantile_sorted(a: FloatArray, q: float) -> float:
    """np.quantile(a, q) (linear interpolation) of an already sorted array: O(1)."""
    pos = q * (a.size - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, a.size - 1)
    return float(a[lo] + (a[hi] - a[lo]) * (pos - lo))


def sorted_copy(values: FloatArray, keep: npt.NDArray[np.bool_], lo: int, hi: int) -> FloatArray:
    """values[lo:hi][keep[lo:hi]], sorted in place (the mask already made the one copy needed)."""
    out = values[lo:hi][keep[lo:hi]]
    out.sort()
    return out


def sorted_blocks(values: FloatArray, keep: npt.NDArray[np.bool_], bounds: IntArray) -> list[FloatArray]:
    """values[keep] of each block, sorted. Sorting (vectorised, ~6 ns a value here) beats two
    partitions per quantile, and every quantile of the column is then a lookup."""
    return [sorted_copy(values, keep, int(bounds[k]), int(bounds[k + 1])) for k in range(bounds.size - 1)]


def kth_smallest(runs: list[FloatArray], k: int) -> float:
    """The k-th smallest (0-based) value of the union of sorted arrays, without merging them.

    Pivot on the size-weighted median of the windows' medians: at least a quarter of the
    remaining values is discarded per round, so O(log n) rounds of one searchsorted per block
    (~1 ms for a million values in 20 blocks, against ~8 ms to copy and sort them again).
    """
    lo = np.zeros(len(runs), np.int64)
    hi = np.array([r.size for r in runs], np.int64)
    while True:
        sizes = hi - lo
        if int(sizes.sum()) <= 64:
            rest = np.sort(np.concatenate([r[a:b] for r, a, b in zip(runs, lo, hi, strict=True)]))
            return float(rest[k])
        live = np.nonzero(sizes)[0]
        meds = np.array([runs[i][(lo[i] + hi[i]) // 2] for i in live])
        order = np.argsort(meds)
        cum = np.cumsum(sizes[live][order])
        pivot = float(meds[order][np.searchsorted(cum, cum[-1] / 2)])
        lt = np.array(
            [
                np.searchsorted(runs[i][lo[i] : hi[i]], pivot, "left") if sizes[i] else 0
                for i in range(len(runs))
            ],
            np.int64,
        )
        le = np.array(
            [
                np.searchsorted(runs[i][lo[i] : hi[i]], pivot, "right") if sizes[i] else 0
                for i in range(len(runs))
            ],
            np.int64,
        )
        if k < lt.sum():
            hi = lo + lt
        elif k < le.sum():
            return pivot
        else:
            k -= int(le.sum())
            lo = lo + le


def quantile_of_runs(runs: list[FloatArray], q: float) -> float | None:
    """np.quantile (linear) of the union of sorted arrays; None when they are all empty."""
    n = sum(r.size for r in runs)
    if n == 0:
        return None
    pos = q * (n - 1)
    lo = math.floor(pos)
    low = kth_smallest(runs, lo)
    if lo + 1 >= n or pos == lo:
        return low
    return low + (kth_smallest(runs, lo + 1) - low) * (pos - lo)


def block_means(
    values: FloatArray, keep: npt.NDArray[np.bool_], bounds: IntArray, min_size: int = MIN_REQUESTS_PER_BLOCK
) -> tuple[FloatArray, float | None]:
    """Mean of values[keep] per block (NaN under `min_size`) and over all blocks, by segment sums."""
    lo, hi = int(bounds[0]), int(bounds[-1])
    kept = keep[lo:hi]
    masked = np.where(kept, values[lo:hi], 0.0)
    starts = bounds[:-1] - lo
    nonempty = np.diff(bounds) > 0
    sums = np.zeros(bounds.size - 1)
    counts = np.zeros(bounds.size - 1, np.int64)
    if nonempty.any():  # reduceat sums each non-empty block up to the next one's start
        sums[nonempty] = np.add.reduceat(masked, starts[nonempty])
        counts[nonempty] = np.add.reduceat(kept, starts[nonempty], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(counts >= min_size, sums / counts, np.nan)
    total = int(counts.sum())
    return per.astype(np.float64), (float(sums.sum() / total) if total else None)


def block_counts(mask: npt.NDArray[np.bool_], bounds: IntArray) -> IntArray:
    """How many True values fall in each block."""
    return np.array(
        [np.count_nonzero(mask[bounds[k] : bounds[k + 1]]) for k in range(bounds.size - 1)], dtype=np.int64
    )
