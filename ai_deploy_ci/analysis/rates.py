"""Always-valid intervals for proportions (error rate, agreement), re-looked at every block.

A Wilson or Newcombe interval is a fixed-horizon interval: checked after every block it
false-alarms like any peeked test. Instead we use Robbins' beta-binomial mixture martingale
(the conjugate case of the mixture method in Howard et al., arXiv:1810.08240, and of the
multinomial test of Lindon et al., arXiv:2205.14762). For a null rate p0, after n requests
with s hits and a Jeffreys Beta(½, ½) mixing prior,

    M_n(p0) = B(½ + s, ½ + n − s) / B(½, ½)  /  (p0^s (1 − p0)^(n − s))

is a non-negative martingale with M_0 = 1, so {p0 : M_n(p0) < 1/α} covers the true rate at
all n at once with probability ≥ 1 − α. log M_n is convex in p0, so the set is an interval,
found by bisection on each side of s/n.

Errors come in bursts (a restart, a full queue), which makes requests over-dispersed against
the binomial. The correction: estimate the dispersion φ = Pearson χ² of the per-block counts
/ (blocks − 1) and, when φ > 1, judge s/φ hits out of n/φ requests (the quasi-binomial
effective sample size). Without bursts φ ≈ 1 and nothing changes.

A difference of two rates (candidate − baseline, in fraction points) is judged on per-block
differences by the robust betting test (`block_differences`, `betting.py`);
`difference_interval` (each rate's interval at α/2, Bonferroni) is kept for comparison.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import betaln

from ai_deploy_ci.analysis.blocks import FloatArray, IntArray

_ITERATIONS = 60


def _log_m(p0: float, s: float, n: float) -> float:
    lp = betaln(0.5 + s, 0.5 + n - s) - betaln(0.5, 0.5)
    return float(lp - s * math.log(p0) - (n - s) * math.log1p(-p0))


def rate_interval(hits: float, total: float, alpha: float) -> tuple[float, float]:
    """Always-valid interval for a binomial rate; (0, 1) without data."""
    if total <= 0:
        return 0.0, 1.0
    s, n = float(hits), float(total)
    level = math.log(1.0 / alpha)
    centre = min(max(s / n, 1e-300), 1.0 - 1e-16)
    bounds = []
    for edge in (0.0, 1.0):
        inside, outside = centre, edge
        if _log_m(min(max(edge, 1e-300), 1.0 - 1e-16), s, n) < level:
            bounds.append(edge)
            continue
        for _ in range(_ITERATIONS):
            mid = 0.5 * (inside + outside)
            if _log_m(mid, s, n) < level:
                inside = mid
            else:
                outside = mid
        bounds.append(inside)
    return bounds[0], bounds[1]


def dispersion(hits: IntArray, total: IntArray) -> float:
    """Pearson χ² / (blocks − 1) of per-block counts against the pooled rate; ≥ 1."""
    used = total > 0
    h, n = hits[used].astype(float), total[used].astype(float)
    if h.size < 2:
        return 1.0
    p = h.sum() / n.sum()
    if p <= 0.0 or p >= 1.0:
        return 1.0
    chi2 = float((((h - n * p) ** 2) / (n * p * (1.0 - p))).sum())
    return max(1.0, chi2 / (h.size - 1))


def carried_dispersion(hits: IntArray, total: IntArray) -> float:
    """The largest dispersion seen at any look so far (blocks 1..k for every k): a burst keeps
    widening the interval after later calm blocks dilute the estimate, so looks stay honest."""
    return max((dispersion(hits[:k], total[:k]) for k in range(2, hits.size + 1)), default=1.0)


def corrected_interval(hits: IntArray, total: IntArray, alpha: float) -> tuple[float, float]:
    """`rate_interval` on the effective counts after the over-dispersion correction (carried
    over looks). Under 2 blocks with data there is no dispersion estimate: the evaluation never
    PASSes there anyway (MIN_BLOCKS)."""
    phi = carried_dispersion(hits, total)
    return rate_interval(float(hits.sum()) / phi, float(total.sum()) / phi, alpha)


def difference_interval(
    base_hits: IntArray, base_total: IntArray, cand_hits: IntArray, cand_total: IntArray, alpha: float
) -> tuple[float, float]:
    """Interval for candidate rate − baseline rate (fraction points), each side at α/2."""
    bl, bh = corrected_interval(base_hits, base_total, alpha / 2)
    cl, ch = corrected_interval(cand_hits, cand_total, alpha / 2)
    return cl - bh, ch - bl


def as_array(values: list[int]) -> IntArray:
    return np.asarray(values, dtype=np.int64)


MIN_BLOCK_REQUESTS = 5


def block_differences(
    base_hits: IntArray, base_total: IntArray, cand_hits: IntArray, cand_total: IntArray
) -> FloatArray:
    """Per-block candidate rate − baseline rate, where both targets have requests in the block.

    Why per block: a burst of errors is a run of failures inside one or two blocks, so block
    differences stay (nearly) independent whatever the bursts do; the betting test on them is
    valid under bursts without a dispersion estimate, and the two rates are differenced before
    the test instead of bounding each one at α/2 (Bonferroni), which is what lets a +0.5 point
    margin decide at a few thousand requests.
    """
    both = (base_total >= MIN_BLOCK_REQUESTS) & (cand_total >= MIN_BLOCK_REQUESTS)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = cand_hits / np.maximum(cand_total, 1) - base_hits / np.maximum(base_total, 1)
    return np.where(both, d, np.nan).astype(np.float64)
