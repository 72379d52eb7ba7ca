"""Margin (non-inferiority) decisions of candidate against baseline.

A margin is what the user calls "no worse": candidate ≤ baseline × (1 + maxIncrease) for
relative metrics, i.e. log-ratio ≤ log(1 + maxIncrease); candidate ≥ baseline × (1 −
maxDecrease) for higher-is-better ones; for errorRate and agreement the margin is absolute
fraction points on the difference. With an always-valid interval for the effect:

    interval entirely beyond the margin            → FAIL  (at any look: a regression is proven)
    interval entirely inside, and enough data      → PASS  (no worse than the margin is proven)
    otherwise                                      → INCONCLUSIVE

The margin also absorbs the deployment-to-deployment offset (two deployments of the same
model differ by a few %): without it, a true 3 % offset would be "proven" as a regression
with enough data, which no test can tell apart from a 3 % regression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ai_deploy_ci.analysis import betting, sequential
from ai_deploy_ci.analysis.blocks import FloatArray
from ai_deploy_ci.analysis.rollout import RolloutTests
from ai_deploy_ci.spec.model import Metric
from ai_deploy_ci.verdict import Verdict

RELATIVE = "relative"
ABSOLUTE = "absolute"


@dataclass(frozen=True)
class Bound:
    """One margin: the effect must stay below `limit` (upper) or above it (not upper)."""

    limit: float  # on the effect's scale: log-ratio (relative) or fraction points (absolute)
    upper: bool
    label: str  # "+10 %" or "+0.5 points"


def bounds(metric: Metric, kind: str) -> list[Bound]:
    """The margins a metric sets, on the scale its effect is measured on."""
    out = []
    if metric.max_increase is not None:
        m = metric.max_increase
        if kind == RELATIVE:
            out.append(Bound(math.log1p(m), True, f"+{100 * m:g} %"))
        else:
            out.append(Bound(m, True, f"+{100 * m:g} points"))
    if metric.max_decrease is not None:
        m = metric.max_decrease
        if kind == RELATIVE:
            out.append(Bound(math.log1p(-m) if m < 1 else -math.inf, False, f"−{100 * m:g} %"))
        else:
            out.append(Bound(-m, False, f"−{100 * m:g} points"))
    return out


def decide(low: float, high: float, bound: Bound, *, enough: bool) -> Verdict:
    """The three-way rule above for one margin and one interval."""
    if bound.upper:
        beyond, inside = low > bound.limit, high < bound.limit
    else:
        beyond, inside = high < bound.limit, low > bound.limit
    if beyond:
        return Verdict.FAIL
    return Verdict.PASS if inside and enough else Verdict.INCONCLUSIVE


def log_ratios(base_blocks: FloatArray, cand_blocks: FloatArray) -> FloatArray:
    """Paired per-block log(candidate / baseline), only where both blocks are defined and > 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(cand_blocks) - np.log(base_blocks)
    return x[np.isfinite(x)]


def ratio_interval(
    base_blocks: FloatArray, cand_blocks: FloatArray, alpha: float
) -> tuple[float, float, int]:
    """Always-valid interval of the log-ratio after the last look, and the number of paired blocks."""
    x = log_ratios(base_blocks, cand_blocks)
    low, high = sequential.bounds(x, alpha)
    return low, high, int(x.size)


@dataclass(frozen=True)
class Tested:
    """A margin decided by the robust carried test (`betting`) on per-block differences."""

    verdict: Verdict
    low: float  # always-valid set after the last look, on the effect's scale
    high: float
    blocks: int  # blocks of this gate with a defined difference
    rollout_blocks: int  # blocks of the whole rollout so far (earlier gates + this one)


def prior_scale(bound: Bound, kind: str) -> float:
    """The spread assumed before a test has 3 blocks of its own: the margin's size (floored)."""
    floor = 0.05 if kind == RELATIVE else 0.001
    return max(abs(bound.limit) if math.isfinite(bound.limit) else floor, floor)


def decide_blocks(
    x: FloatArray,
    bound: Bound,
    kind: str,
    alpha: float,
    *,
    enough: bool,
    carried: RolloutTests | None = None,
    key: str = "",
) -> Tested:
    """FAIL when "beyond the margin" is proven at any look of the rollout; PASS when "inside" is,
    and this gate has `enough`; the series is this gate's blocks, after earlier gates' if carried."""
    gate_x = np.asarray(x, dtype=np.float64)
    gate_x = gate_x[np.isfinite(gate_x)]
    if carried is not None:
        full, starts, _ = carried.joined(key, gate_x)
        carried.limits[key] = (bound.limit, kind == RELATIVE)
    else:
        full, starts = gate_x, [0]
    prior = prior_scale(bound, kind)
    discrete = kind == ABSOLUTE
    low, high = betting.interval(full, alpha, prior, starts, discrete)
    if not math.isfinite(bound.limit):
        return Tested(Verdict.PASS if enough else Verdict.INCONCLUSIVE, low, high, gate_x.size, full.size)
    sign = 1.0 if bound.upper else -1.0  # test "beyond" as "sign·θ > sign·limit"
    beyond, inside = betting.crossings(sign * full, sign * bound.limit, alpha, prior, starts, discrete)
    if beyond is not None:
        verdict = Verdict.FAIL
    elif inside is not None and enough:
        verdict = Verdict.PASS
    else:
        verdict = Verdict.INCONCLUSIVE
    return Tested(verdict, low, high, int(gate_x.size), int(full.size))
