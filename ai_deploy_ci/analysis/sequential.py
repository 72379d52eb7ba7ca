"""Always-valid one-sided bounds: the maths that lets the judge look after every block.

Why: a fixed-horizon test re-checked after every block false-alarms 20–25 % of the time
(GUIDE §5); an always-valid bound holds at *all* looks at once, so the judge may stop at the
first block that decides, however often it looks.

Model. The observations are per-block paired differences x_1..x_n (candidate minus baseline
log p95 of the same block: the drift both targets share cancels), iid N(θ, σ²), σ unknown.

Test of θ = θ0 (the mSPRT of Johari et al., arXiv:1512.04922, with Lai's unknown-variance
mixture). Put y_i = x_i − θ0, S = Σ y_i², a = Σ y_i / √S. Mix the alternative over the
standardised effect δ = θ/σ with a half-normal prior (δ > 0, scale² g) and put the
scale-invariant prior 1/σ on σ under both hypotheses. Integrating δ (Gaussian) and then σ
(a χ_n variable, whose E[Φ(kU)] is a Student-t CDF) gives the Bayes factor in closed form:

    BF⁺_n(θ0) = 2 · (1 + n g)^(-1/2) · (1 − g a² / (1 + n g))^(-n/2) · F_t,n(k √n),
    k = a · sqrt(g / (1 + n g)) / sqrt(1 − g a² / (1 + n g))

(F_t,n: Student-t CDF with n degrees of freedom). Every fixed-δ likelihood ratio of the
scale-invariant statistic is a martingale under θ0 (Pérez-Ortiz, Lardy, de Heide, Grünwald,
arXiv:2208.07610), so the mixture is one too, and Ville's inequality gives
P(sup_n BF⁺_n(θ) ≥ 1/α) ≤ α at the true θ. BF⁺ decreases as θ0 grows (a does), so

    L_n = inf{θ0 : BF⁺_n(θ0) < 1/α}     is an always-valid lower bound:  P(∃n: θ < L_n) ≤ α,

and the upper bound U_n is the same construction on −x. FAIL "θ > margin" when L_n > margin,
PASS "θ < margin" when U_n < margin: each error has probability ≤ α however often we look.
Unlike the plug-in mSPRT (σ̂ treated as known) this is exact for Gaussian blocks even at
3–20 looks, where a plug-in σ̂ badly under-covers. The one-sided prior spends all of α on the
side a decision needs, which buys ~10 points of power at 2 minutes over a two-sided interval.
Bounds are intersected over time (running max of L, min of U): coverage is unchanged and a
decision never reverts.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import stdtr

FloatArray = npt.NDArray[np.float64]

# Prior scale² of the standardised effect. 2 puts the mixture's power where our per-block
# effects live (a +20 % p95 regression is ~2 block-sd beyond a +10 % margin); chosen on the
# bench (bench/judge, power at 2 minutes flat for g in 1–4), not on the A/A runs.
DEFAULT_G = 2.0
_BISECT = 36
_BRACKET = 1e4  # spreads below the mean where the search starts; wider bounds read as −∞


def log_bf_upper(n: FloatArray, sum_y: FloatArray, sum_y2: FloatArray, g: float = DEFAULT_G) -> FloatArray:
    """log BF⁺ for "mean > θ0" from the sums of y = x − θ0 (vectorised; 0 for n = 0 or S = 0)."""
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


def crossed_upper(x: FloatArray, theta0: float, alpha: float, g: float = DEFAULT_G) -> npt.NDArray[np.bool_]:
    """After each look (last axis): has the lower bound risen above θ0, i.e. BF⁺(θ0) ≥ 1/α?"""
    n, s1, s2 = _prefix_sums(np.asarray(x, dtype=np.float64))
    sy, sy2 = s1 - n * theta0, s2 - 2 * theta0 * s1 + n * theta0 * theta0
    return np.logical_or.accumulate(log_bf_upper(n, sy, sy2, g) >= np.log(1.0 / alpha), axis=-1)


def crossed_lower(x: FloatArray, theta0: float, alpha: float, g: float = DEFAULT_G) -> npt.NDArray[np.bool_]:
    """After each look: has the upper bound fallen below θ0?"""
    return crossed_upper(-np.asarray(x, dtype=np.float64), -theta0, alpha, g)


def lower_bounds(x: FloatArray, alpha: float, g: float = DEFAULT_G) -> FloatArray:
    """Always-valid lower bound L_n after each look (last axis), intersected over time; −∞ if none yet."""
    v = np.asarray(x, dtype=np.float64)
    n, s1, s2 = _prefix_sums(v)
    level = np.log(1.0 / alpha)
    mean = s1 / n
    spread = np.sqrt(np.maximum(s2 / n - mean * mean, 0.0)) + 1e-9 * (1.0 + np.abs(mean))
    lo, hi = mean - _BRACKET * spread, mean  # BF⁺ ≥ 1/α at lo (if anywhere), < 1/α at the mean

    def bf(theta: FloatArray) -> FloatArray:
        return log_bf_upper(n, s1 - n * theta, s2 - 2 * theta * s1 + n * theta * theta, g)

    possible = bf(lo) >= level
    for _ in range(_BISECT):
        mid = 0.5 * (lo + hi)
        above = bf(mid) >= level
        lo, hi = np.where(above, mid, lo), np.where(above, hi, mid)
    return np.maximum.accumulate(np.where(possible, lo, -np.inf), axis=-1)


def bounds(x: FloatArray, alpha: float, g: float = DEFAULT_G) -> tuple[float, float]:
    """(L, U) after the last look of a 1-d series; non-finite blocks are dropped; (−∞, ∞) if empty."""
    v = np.asarray(x, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return -np.inf, np.inf
    both = lower_bounds(np.stack([v, -v]), alpha, g)  # one bisection for both sides
    return float(both[0, -1]), float(-both[1, -1])
