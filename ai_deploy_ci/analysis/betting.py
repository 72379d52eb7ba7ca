"""A robust always-valid test for paired per-block differences: betting on clipped, scaled blocks.

Why not only the mSPRT of `sequential.py`: that test is exact for *Gaussian* blocks. Real
blocks have spikes (a GC pause or a noisy neighbour on one target's pod turns one block's p95
log-ratio into ±0.5 while the rest sit within ±0.08): measured in bench/judge's realistic
regime, the block sd is 0.22 while the robust (MAD) sd is 0.08, and the t-mixture, whose
variance estimate the spikes inflate, decides in under half of the A/A rollouts.

The test. Per-block differences x_1, x_2, … (candidate − baseline: log p95 ratio, or error-rate
difference in fraction points); tested value θ0 (the margin). After block k:

    ψ_k = clip((x_k − θ0) / (c · s_k), −1, 1)         s_k: robust spread of x_1..x_(k−1) only
    W_n(θ0) = Π_k (1 + λ ψ_k)                           (λ = LAMBDA, c = CLIP)

If, given the past, x_k is symmetric about its centre θ and θ ≤ θ0, then E[ψ_k | past] ≤ 0
(ψ is odd, bounded and monotone; s_k is fixed before block k is seen), so W is a non-negative
supermartingale with W_0 = 1 and Ville's inequality gives P(sup_n W_n ≥ 1/α) ≤ α — for *any*
symmetric block distribution, heavy-tailed or spiky, σ unknown (Waudby-Smith & Ramdas,
arXiv:2010.09686, §3, betting on a bounded mean; the symmetry makes the clipped mean's sign the
centre's sign). Symmetry is what A/A pairs give exactly (baseline and candidate exchangeable)
and what a shift of the candidate keeps. A spike moves ψ by at most 1, so it costs at most a
factor (1 − λ) of wealth and never proves anything alone.
The e-value used is ¾ of this bet plus ¼ of the mSPRT's BF⁺ (`sequential.py`, σ unknown, exact
for Gaussian blocks): a mixture of e-values is one, the bet carries the spiky blocks and the mSPRT
decides clean ones sooner (a clear regression in 5 blocks instead of 6; in a 6-block gate an
unchanged candidate PASSes without needing every block to land far inside the margin). Where
blocks are not Gaussian the mSPRT quarter is only approximately valid (for symmetric noise the
t-statistic is conservative, Efron 1969); bench/judge_rollouts measures the whole.
FAIL "θ > θ0" when W (on x − θ0) reaches 1/α; PASS "θ < θ0" when the mirror test (on θ0 − x)
does; each side spends its own α.

Carried across the gates of a rollout (`starts`): the FAIL side is the mixture
Σ_g w_g W^(g), W^(g) started at gate g's first block, w = 3/4, 1/8, 1/16, … (`start_weight`); a
mixture of test supermartingales with weights summing to ≤ 1 is one, so α is spent once per
rollout, and a regression that appears only at a later gate (more traffic) still meets a fresh
bet (a fixed-λ bet that lost for many A/A blocks would need many blocks to recover). The
PASS side is one bet for the whole rollout (no worse than the margin, proven once).

λ 0.8 and c 1.0 were chosen on a tuning simulation (another seed than bench/judge_rollouts): fixed
λ in 0.6–0.95, c in 1–3, adaptive λ (aGRAPA) and a mixture over λ were tried; c 1.0 gave +3 points
of A/A PASS and +4 of power at +20 % over c 1.5 in the realistic regime and tied in the calm one.
The price of a bounded bet: even a huge effect needs (1 + λ)^n ≥ 1/(0.75 α), 6 blocks.
s_k: 1.4826 × MAD of the earlier blocks once there are MIN_SCALE_BLOCKS of them,
before that the prior scale (the margin's own size: a difference of one margin is one unit).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ai_deploy_ci.analysis import sequential

FloatArray = npt.NDArray[np.float64]

LAMBDA = 0.8
CLIP = 1.0
T_SHARE = 0.25  # the mSPRT's share of the e-value (fast on clean, Gaussian blocks; see above)
MIN_SCALE_BLOCKS = 3
_GRID, _ROUNDS = 17, 3  # the interval's ends to span / 16³ (~0.03 %: shown to people; decisions are exact)


def scales(x: FloatArray, prior: float, discrete: bool = False) -> FloatArray:
    """s_k for every look k (0-based): from x[:k] only (predictable), the prior before 3 blocks.

    `discrete` (error-rate differences): at least 1.25 × the mean absolute deviation, which
    stays > 0 when most blocks have no error at all (the MAD is then 0) — so discrete, skewed
    counts are rarely clipped (clipping a skewed variable moves its mean; a linear ψ does not).
    """
    v = np.asarray(x, dtype=np.float64)
    out = np.full(v.size, max(float(prior), 1e-12))
    for k in range(MIN_SCALE_BLOCKS, v.size):
        prev = v[:k]
        dev = np.abs(prev - np.median(prev))
        spread = 1.4826 * float(np.median(dev))
        if discrete:
            spread = max(spread, 1.2533 * float(np.mean(dev)))
        out[k] = max(spread, 1e-3 * out[0], 1e-12)
    return out


def _log_wealth(y: FloatArray, s: FloatArray, starts: Sequence[int], mixture: bool) -> FloatArray:
    """log of (1 − T_SHARE) × the bet + T_SHARE × the mSPRT's BF⁺ after every look, for "E[y] > 0"."""
    n = np.arange(1, y.shape[-1] + 1, dtype=np.float64) * np.ones_like(y)
    # a floor on the spread, as in `sequential.lower_bounds`: blocks with no spread at all (tests,
    # rounding at exactly the margin) must not look like a perfectly consistent effect
    floor = (1e-9 * (1.0 + np.max(np.abs(y), axis=-1, keepdims=True))) ** 2 if y.shape[-1] else 0.0
    s1, s2 = np.cumsum(y, axis=-1), np.cumsum(y * y, axis=-1) + n * floor
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(s2 > 0, s1 / np.sqrt(np.where(s2 > 0, s2, 1.0)), 0.0)
    t_part = _log_bf_of_a(a) + math.log(T_SHARE)
    return np.logaddexp(_log_bet(y, s, starts, mixture) + math.log(1.0 - T_SHARE), t_part)


_A_GRID = 513


@functools.lru_cache(maxsize=8)
def _bf_table(n_max: int) -> FloatArray:
    """log BF⁺_n(a) of the mSPRT on a grid of a ∈ [−√n, √n], rows n = 1..n_max (cached: the
    quadrature runs once per length, then every look of every θ0 is an interpolation)."""
    n = np.arange(1, n_max + 1, dtype=np.float64)[:, None]
    a = np.linspace(-1.0, 1.0, _A_GRID)[None, :] * np.sqrt(n)
    out = sequential._log_bf_of_a(n * np.ones_like(a), a, sequential.DEFAULT_DELTA)
    out.setflags(write=False)
    return out


def _log_bf_of_a(a: FloatArray) -> FloatArray:
    """log BF⁺ at look n (last axis, 1-based) and statistic a, interpolated in `_bf_table`."""
    size = a.shape[-1]
    table = _bf_table(max(64, 1 << (size - 1).bit_length()))  # lengths share a few tables
    root = np.sqrt(np.arange(1, size + 1, dtype=np.float64))
    pos = np.clip((a / root + 1.0) * 0.5 * (_A_GRID - 1), 0.0, _A_GRID - 1.0)
    lo = np.minimum(pos.astype(np.int64), _A_GRID - 2)
    frac = pos - lo
    rows = np.arange(size)
    return (1.0 - frac) * table[rows, lo] + frac * table[rows, lo + 1]


def _log_bet(y: FloatArray, s: FloatArray, starts: Sequence[int], mixture: bool) -> FloatArray:
    """log W of the bet; `mixture`: Σ_g w_g W^(g) over `starts`."""
    psi = np.clip(y / (CLIP * s), -1.0, 1.0)
    steps = np.log1p(LAMBDA * psi)
    if not mixture:
        return np.cumsum(steps, axis=-1)
    size = y.shape[-1]
    total = np.full(y.shape, -np.inf)
    for g, start in enumerate(sorted(set(int(v) for v in starts) | {0})):
        if start >= size:
            break
        part = np.full(y.shape, -np.inf)
        part[..., start:] = np.cumsum(steps[..., start:], axis=-1) + math.log(start_weight(g))
        total = np.logaddexp(total, part)
    return total


FIRST_GATE_SHARE = 0.75


def start_weight(g: int) -> float:
    """The share of the rollout's budget of the bet started at gate g (0-based): 3/4 for the first
    gate, then 1/8, 1/16, …, which sum to 1 over any number of gates."""
    return FIRST_GATE_SHARE if g == 0 else (1.0 - FIRST_GATE_SHARE) * 0.5**g


def crossings(
    x: FloatArray,
    theta0: float,
    alpha: float,
    prior: float,
    starts: Sequence[int] = (0,),
    discrete: bool = False,
) -> tuple[int | None, int | None]:
    """(first look where "θ > θ0" is proven, first look where "θ < θ0" is proven), 0-based; None if not.

    Non-finite blocks must have been dropped by the caller (they carry no evidence either way).
    """
    v = np.asarray(x, dtype=np.float64)
    if v.size == 0:
        return None, None
    s = scales(v, prior, discrete)
    level = math.log(1.0 / alpha)
    up = np.nonzero(_log_wealth(v - theta0, s, starts, mixture=True) >= level)[0]
    down = np.nonzero(_log_wealth(theta0 - v, s, starts, mixture=False) >= level)[0]
    return (int(up[0]) if up.size else None), (int(down[0]) if down.size else None)


def interval(
    x: FloatArray,
    alpha: float,
    prior: float,
    starts: Sequence[int] = (0,),
    discrete: bool = False,
) -> tuple[float, float]:
    """The always-valid set after the last look: θ0 values neither side has rejected by now.

    W_n(θ0) is monotone in θ0 (ψ is, and s does not depend on θ0), so each end is found by
    refining a grid.
    Shown to people; decisions use `crossings` at the margin (which also remembers earlier looks).
    """
    v = np.asarray(x, dtype=np.float64)
    if v.size == 0:
        return -math.inf, math.inf
    s = scales(v, prior, discrete)
    level = math.log(1.0 / alpha)
    span = float(np.max(np.abs(v))) + 10.0 * float(np.max(s)) + 1.0

    def rejected(thetas: FloatArray, low_side: bool) -> npt.NDArray[np.bool_]:
        """For each θ0: has "θ > θ0" (low side) or "θ < θ0" been proven at some look?"""
        y = v[None, :] - thetas[:, None] if low_side else thetas[:, None] - v[None, :]
        return np.asarray((_log_wealth(y, s, starts, mixture=low_side) >= level).any(axis=-1))

    def edge(inside: float, outside: float, low_side: bool) -> float:
        """The boundary between not rejected (inside) and rejected (outside), by grid refinement."""
        if not rejected(np.array([outside]), low_side)[0]:
            return -math.inf if low_side else math.inf
        for _ in range(_ROUNDS):
            grid = np.linspace(inside, outside, _GRID)
            hit = rejected(grid, low_side)
            first = int(np.argmax(hit))  # rejection is monotone along the grid: inside → outside
            if first == 0:  # even the inner end is rejected (an earlier look proved more)
                return float(grid[0])
            inside, outside = float(grid[first - 1]), float(grid[first])
        return outside

    centre = float(np.median(v))
    return edge(centre, centre - span, True), edge(centre, centre + span, False)


_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def growth(distance: float, scale: float) -> float:
    """Expected log-wealth gained per block when blocks are N(θ0 + distance, scale²) and s = scale."""
    psi = np.clip((distance + scale * _NODES) / (CLIP * scale), -1.0, 1.0)
    return float(np.sum(_WEIGHTS * np.log1p(LAMBDA * psi)))


def blocks_needed(distance: float, scale: float, alpha: float) -> float:
    """About how many blocks the test needs to prove an effect `distance` beyond θ0 (∞ if never)."""
    g = growth(abs(distance), scale)
    return math.log(1.0 / alpha) / g if g > 0 else math.inf


def detectable(scale: float, blocks: float, alpha: float) -> float:
    """The smallest distance from θ0 the test proves in about `blocks` blocks at block spread `scale`."""
    if blocks <= 0 or scale <= 0:
        return math.inf
    lo, hi = 0.0, 20.0 * scale
    if blocks_needed(hi, scale, alpha) > blocks:
        return math.inf
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if blocks_needed(mid, scale, alpha) <= blocks else (mid, hi)
    return hi
