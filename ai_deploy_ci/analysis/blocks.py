"""Cut each target's requests into time blocks and reduce every block to one statistic.

Why blocks: requests are autocorrelated (a slow GC, a noisy neighbour, a batching queue), so
tests on raw requests false-alarm (28–35 % on A/A, GUIDE §5). Statistics of 10–30 s blocks are
close to independent once the drift shared by both targets is removed by pairing block k of
the candidate with block k of the baseline. Everything here is O(n) apart from the per-block
`np.quantile` (a partition, also O(n)); no sorting of the whole run.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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

    @classmethod
    def of(cls, s: Samples, lay: Layout) -> Cut:
        return cls(s, np.searchsorted(s.t, lay.edges(), side="left").astype(np.int64))

    @property
    def count(self) -> int:
        return int(self.bounds.size - 1)

    @property
    def rows(self) -> slice:
        return slice(int(self.bounds[0]), int(self.bounds[-1]))


def quantile_inplace(a: FloatArray, q: float) -> float:
    """np.quantile(a, q) (linear interpolation) by one partition of `a`, which it reorders."""
    pos = q * (a.size - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, a.size - 1)
    a.partition([lo, hi] if hi != lo else lo)
    return float(a[lo] + (a[hi] - a[lo]) * (pos - lo))


def per_block(
    values: FloatArray,
    keep: npt.NDArray[np.bool_],
    bounds: IntArray,
    reduce: Callable[[FloatArray], float],
    min_size: int = MIN_REQUESTS_PER_BLOCK,
) -> FloatArray:
    """reduce(values[keep] of block k) for each k (a fresh array the reducer may reorder); NaN when
    a block has fewer than `min_size` kept values."""
    count = bounds.size - 1
    out = np.full(count, np.nan)
    for k in range(count):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        chunk = values[lo:hi][keep[lo:hi]]
        if chunk.size >= min_size:
            out[k] = reduce(chunk)
    return out


def quantile_reducer(q: float) -> Callable[[FloatArray], float]:
    return lambda v: quantile_inplace(v, q)


def mean_reducer(v: FloatArray) -> float:
    return float(v.mean())


def block_counts(mask: npt.NDArray[np.bool_], bounds: IntArray) -> IntArray:
    """How many True values fall in each block."""
    return np.array(
        [np.count_nonzero(mask[bounds[k] : bounds[k + 1]]) for k in range(bounds.size - 1)], dtype=np.int64
    )
