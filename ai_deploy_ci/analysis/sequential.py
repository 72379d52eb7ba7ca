"""Always-valid one-sided bounds: the maths that lets the judge look after every block.

Why: a fixed-horizon test re-checked after every block false-alarms 20–25 % of the time
(GUIDE §5); an always-valid bound holds at *all* looks at once, so the judge may stop at the
first block that decides, however often it looks.

Model. The observations are per-block paired differences x_1..x_n (candidate minus baseline
log p95 of the same block: the drift both targets share cancels), iid N(θ, σ²), σ unknown.

Test of θ = θ0 (the mSPRT of Johari et al., arXiv:1512.04922, with Lai's unknown-variance
mixture). Put y_i = x_i − θ0, S = Σ y_i², a = Σ y_i / √S (the scale-free statistic; −√n ≤ a ≤ √n).
Put the scale-invariant prior 1/σ on σ under both hypotheses and integrate it out (u = √S/σ):

    BF_n(δ) = e^(−n δ²/2) · I_n(δ a) / I_n(0),   I_n(b) = ∫₀^∞ u^(n−1) e^(−u²/2 + b u) du,

the likelihood ratio of the maximal invariant for the standardised effect δ = (θ − θ0)/σ
(I_n(0) = 2^(n/2−1) Γ(n/2); I_1(b) = Φ(b)/φ(b); I_2(b) = 1 + b I_1(b); I_(n+1) = b I_n + (n−1) I_(n−1)).
Every fixed-δ BF_n(δ) is a test martingale under θ0 whatever σ is (Pérez-Ortiz, Lardy, de Heide,
Grünwald, arXiv:2208.07610), and so is any mixture of them over a prior on δ fixed in advance.
The judge mixes over a point mass at δ1 = DEFAULT_DELTA > 0 ("mean > θ0"):

    BF⁺_n(θ0) = BF_n(δ1) = e^(−n δ1²/2) · I_n(δ1 a) / I_n(0).

(The earlier prior, a half-normal of scale² g on δ, has the closed form
BF = 2 (1 + n g)^(-1/2) (1 − g a²/(1 + n g))^(-n/2) F_t,n(k √n), k = a √(g/(1 + n g)) / √(1 − g a²/(1 + n g)),
kept as `log_bf_half_normal` for comparison.) Ville's inequality gives
P(sup_n BF⁺_n(θ) ≥ 1/α) ≤ α at the true θ, for any σ. BF⁺ depends on the data only through n and
a, increases with a, and a decreases as θ0 grows, so

    L_n = inf{θ0 : BF⁺_n(θ0) < 1/α}     is an always-valid lower bound:  P(∃n: θ < L_n) ≤ α,

and the upper bound U_n is the same construction on −x. FAIL "θ > margin" when L_n > margin,
PASS "θ < margin" when U_n < margin: each error has probability ≤ α however often we look.
Unlike the plug-in mSPRT (σ̂ treated as known) this is exact for Gaussian blocks even at
3–20 looks, where a plug-in σ̂ badly under-covers (bench/judge: 7–10 % FAIL at the margin for
α = 5 %). Each bound is one-sided and spends all of α on its own side: FAIL uses only L, PASS
only U (splitting α as a two-sided interval costs ~1 point of power at 2 minutes, bench/judge).

Why a point prior at δ1 = 1.25: the prior decides where the test is fast. A half-normal spends
mass near δ = 0 (effects no test detects in 30 blocks) and on large δ (found in 3–4 blocks by
any prior); the effects a gate is slow on sit 1–2 block-sd beyond the margin (a +15–20 % p95
regression against a +10 % margin is 1–1.7 sd of a 10 s block). The point mass at 1.25 buys 1–5
points of power at 2 minutes there (bench/judge: +1.0 on its runs, +4.5 on the tuning runs) and
is as fast on a +50 % regression; it fails effects barely beyond the margin a little less often
by 300 s. The error rate is ≤ α by the martingale property for any δ1 fixed in advance, so the
choice costs validity nothing (3.4–3.8 % at a true effect on the margin, α = 5 %).
I_n is computed by quadrature on a grid around its peak (log-concave integrand), in closed form
for n ≤ 2. Since BF⁺ depends on the data only through (n, a), the critical a*_n with
BF_n(a*_n) = 1/α is found once per (n, α, δ1) by bisection and cached; a crossing is then a ≥ a*_n,
and L_n solves a(θ0) = a*_n in closed form (see `lower_bounds`).
Bounds are intersected over time (running max of L, min of U): coverage is unchanged and a
decision never reverts.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
from scipy.special import gammaln, log_ndtr, stdtr

FloatArray = npt.NDArray[np.float64]

# The standardised effect (θ − θ0)/σ_block where the mixture puts its mass (see above): chosen for
# power at 2 minutes on +15–20 % p95 regressions with 10 s and 15 s blocks in a tuning simulation
# (bench/judge's model, another seed), checked on bench/judge; not on the A/A runs.
DEFAULT_DELTA = 1.25
DEFAULT_G = 2.0  # scale² of the half-normal prior of `log_bf_half_normal` (the previous default)
_BISECT = 36
# quadrature nodes for log I_n: from max(0, peak − 12 local sds) to the peak (steeper there), then
# 12 units right of it (the log-integrand has curvature ≤ −1 everywhere)
_LEFT = np.linspace(-1.0, 0.0, 41)
_RIGHT = np.linspace(0.0, 12.0, 73)[1:]
_W_LEFT = np.full(_LEFT.size, _LEFT[1] - _LEFT[0])  # × the span
_W_LEFT[0] *= 0.5
_W_LEFT[-1] *= 0.5  # the peak: the right half's share is added where the weights are built
_W_RIGHT = np.full(_RIGHT.size, _RIGHT[1] - _RIGHT[0])
_W_RIGHT[-1] *= 0.5
_CHUNK = 1 << 14


def _log_moment(n: FloatArray, b: FloatArray) -> FloatArray:
    """log I_n(b) = log ∫₀^∞ u^(n−1) exp(−u²/2 + b u) du, elementwise (n ≥ 1)."""
    n, b = np.broadcast_arrays(np.asarray(n, dtype=np.float64), np.asarray(b, dtype=np.float64))
    flat_n, flat_b = n.ravel(), b.ravel()
    out = np.empty_like(flat_b)
    for i in range(0, flat_b.size, _CHUNK):
        nn, bb = flat_n[i : i + _CHUNK, None], flat_b[i : i + _CHUNK, None]
        peak = 0.5 * (bb + np.sqrt(bb * bb + 4.0 * (nn - 1.0)))  # h'(u) = (n−1)/u − u + b = 0
        with np.errstate(divide="ignore", invalid="ignore"):
            sd = np.where(nn > 1, 1.0 / np.sqrt(1.0 + (nn - 1.0) / np.maximum(peak, 1e-300) ** 2), 1.0)
        span = np.minimum(12.0 * sd, peak)  # the grid starts at u = 0 when that is nearer
        u = np.concatenate([peak + span * _LEFT, peak + _RIGHT], axis=1)
        # trapezoid weights: the peak node is shared by both halves, the far ends count half
        w = np.concatenate([span * _W_LEFT, np.broadcast_to(_W_RIGHT, (peak.shape[0], _RIGHT.size))], axis=1)
        w[:, _LEFT.size - 1] += 0.5 * (_RIGHT[1] - _RIGHT[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            h = np.where(u > 0, (nn - 1.0) * np.log(np.where(u > 0, u, 1.0)) - 0.5 * u * u + bb * u, -np.inf)
            h = np.where((u <= 0) & (nn == 1), 0.0, h)  # n = 1 is replaced by its closed form below
        top = h.max(axis=1, keepdims=True)
        out[i : i + _CHUNK] = (top + np.log(np.sum(w * np.exp(h - top), axis=1, keepdims=True)))[:, 0]
    # closed forms where the integrand does not vanish fast at u = 0 (a trapezoid would be coarse):
    # I_1(b) = Φ(b)/φ(b), I_2(b) = 1 + b I_1(b)
    small = flat_n <= 2
    b_s = flat_b[small]
    log_i1 = log_ndtr(b_s) + 0.5 * b_s**2 + 0.5 * np.log(2.0 * np.pi)
    out[small] = np.where(flat_n[small] == 1, log_i1, np.log(np.maximum(1.0 + b_s * np.exp(log_i1), 1e-300)))
    return out.reshape(b.shape)


def log_bf_upper(
    n: FloatArray, sum_y: FloatArray, sum_y2: FloatArray, delta: float = DEFAULT_DELTA
) -> FloatArray:
    """log BF⁺ for "mean > θ0" from the sums of y = x − θ0, point prior δ1 = delta (vectorised;
    0 for n = 0 or S = 0)."""
    n = np.asarray(n, dtype=np.float64)
    s2 = np.asarray(sum_y2, dtype=np.float64)
    ok = (n >= 1) & (s2 > 0)
    nn = np.where(ok, n, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(ok, np.asarray(sum_y, dtype=np.float64) / np.sqrt(np.where(ok, s2, 1.0)), 0.0)
    return np.where(ok, _log_bf_of_a(nn, a, delta), 0.0)


def _log_bf_of_a(n: FloatArray, a: FloatArray, delta: float) -> FloatArray:
    """log BF_n(δ1) as a function of n and a = Σy/√S alone."""
    a = np.clip(a, -np.sqrt(n), np.sqrt(n))
    log_norm = (0.5 * n - 1.0) * np.log(2.0) + gammaln(0.5 * n)  # log I_n(0)
    out: FloatArray = -0.5 * n * delta * delta + _log_moment(n, delta * a) - log_norm
    return out


@functools.lru_cache(maxsize=64)
def _critical_a(n_max: int, level: float, delta: float) -> FloatArray:
    """a*_n for n = 1..n_max: BF_n ≥ e^level ⇔ a ≥ a*_n (BF increases with a); +∞ where even
    a = √n (every block above θ0) does not reach the level. Depends on n, α and δ1 only."""
    n = np.arange(1, n_max + 1, dtype=np.float64)
    lo, hi = -np.sqrt(n), np.sqrt(n)
    reach = _log_bf_of_a(n, hi, delta) >= level
    for _ in range(_BISECT):
        mid = 0.5 * (lo + hi)
        above = _log_bf_of_a(n, mid, delta) >= level
        lo, hi = np.where(above, lo, mid), np.where(above, mid, hi)
    out = np.where(reach, hi, np.inf)
    out.setflags(write=False)
    return out


def log_bf_half_normal(
    n: FloatArray, sum_y: FloatArray, sum_y2: FloatArray, g: float = DEFAULT_G
) -> FloatArray:
    """log BF⁺ with the half-normal prior of scale² g on δ (closed form; the previous default)."""
    n = np.asarray(n, dtype=np.float64)
    s2 = np.asarray(sum_y2, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(s2 > 0, np.asarray(sum_y, dtype=np.float64) / np.sqrt(s2), 0.0)
        shrink = g / (1.0 + n * g)
        rest = np.maximum(1.0 - shrink * a * a, 1e-300)
        k = a * np.sqrt(shrink) / np.sqrt(rest)
        cdf = stdtr(np.maximum(n, 1.0), k * np.sqrt(n))
        out = np.log(2.0) - 0.5 * np.log1p(n * g) - 0.5 * n * np.log(rest) + np.log(np.maximum(cdf, 1e-300))
    return np.where((n >= 1) & (s2 > 0), out, 0.0)


def _prefix_sums(x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    n = np.arange(1, x.shape[-1] + 1, dtype=np.float64) * np.ones_like(x)
    return n, np.cumsum(x, axis=-1), np.cumsum(x * x, axis=-1)


def crossed_upper(
    x: FloatArray, theta0: float, alpha: float, delta: float = DEFAULT_DELTA
) -> npt.NDArray[np.bool_]:
    """After each look (last axis): has the lower bound risen above θ0, i.e. BF⁺(θ0) ≥ 1/α?"""
    v = np.asarray(x, dtype=np.float64)
    n, s1, s2 = _prefix_sums(v)
    sy, sy2 = s1 - n * theta0, s2 - 2 * theta0 * s1 + n * theta0 * theta0
    level = float(np.log(1.0 / alpha))
    if v.shape[-1] == 0:
        return np.zeros(v.shape, dtype=bool)
    critical = _critical_a(v.shape[-1], level, float(delta))
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(sy2 > 0, sy / np.sqrt(np.where(sy2 > 0, sy2, 1.0)), 0.0)
    hit = np.where(sy2 > 0, a >= critical, level <= 0.0)  # S = 0: BF = 1 by convention
    return np.logical_or.accumulate(hit, axis=-1)


def crossed_lower(
    x: FloatArray, theta0: float, alpha: float, delta: float = DEFAULT_DELTA
) -> npt.NDArray[np.bool_]:
    """After each look: has the upper bound fallen below θ0?"""
    return crossed_upper(-np.asarray(x, dtype=np.float64), -theta0, alpha, delta)


def lower_bounds(x: FloatArray, alpha: float, delta: float = DEFAULT_DELTA) -> FloatArray:
    """Always-valid lower bound L_n after each look (last axis), intersected over time; −∞ if none yet.

    BF⁺ depends on θ0 only through a(θ0) = √n (x̄ − θ0) / √(v + (x̄ − θ0)²) (v: the mean square
    deviation of the x's), which decreases in θ0; so L_n solves a(θ0) = a*_n in closed form:
    L_n = x̄ − r √(v / (1 − r²)), r = a*_n / √n.
    """
    v = np.asarray(x, dtype=np.float64)
    if v.shape[-1] == 0:
        return np.zeros(v.shape)
    n, s1, s2 = _prefix_sums(v)
    mean = s1 / n
    # a floor on the spread: a series with no spread at all (in tests, or rounding) keeps an
    # interval of width ~1e-9 around its mean instead of collapsing onto it
    spread = np.sqrt(np.maximum(s2 / n - mean * mean, 0.0)) + 1e-9 * (1.0 + np.abs(mean))
    critical = _critical_a(v.shape[-1], float(np.log(1.0 / alpha)), float(delta))
    r = critical / np.sqrt(np.arange(1, v.shape[-1] + 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(r < 1.0, mean - r * spread / np.sqrt(np.maximum(1.0 - r * r, 1e-300)), -np.inf)
    return np.maximum.accumulate(low, axis=-1)


def bounds(x: FloatArray, alpha: float, delta: float = DEFAULT_DELTA) -> tuple[float, float]:
    """(L, U) after the last look of a 1-d series; non-finite blocks are dropped; (−∞, ∞) if empty."""
    v = np.asarray(x, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return -np.inf, np.inf
    both = lower_bounds(np.stack([v, -v]), alpha, delta)  # one bisection for both sides
    return float(both[0, -1]), float(-both[1, -1])
