"""What this gate could detect, from the noise it measured: the sensitivity report.

Why: an undecided gate says nothing about *why*. From the spread of the per-block differences
measured so far (earlier gates' and this gate's blocks, robust MAD, as the test uses it), the
report says, per margin: the effect beyond the margin the test proves within the gate's
duration at this noise ("±x % on p95"), and how long it needs to decide an effect a whole margin
away (an unchanged candidate PASSing, or one at twice the margin FAILing). When that is more than
`maxDuration`, no run at this load can honour the margin: widen it or load harder (more
requests per block). Approximations (Gaussian blocks at the measured spread, `betting.growth`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ai_deploy_ci.analysis import betting
from ai_deploy_ci.analysis.rollout import RolloutTests
from ai_deploy_ci.spec.model import AnalysisSpec


def spread_of(x: list[float]) -> float | None:
    """Robust block spread (1.4826 × MAD), None under 3 blocks or with no spread at all."""
    v = np.asarray([e for e in x if math.isfinite(e)], dtype=np.float64)
    if v.size < betting.MIN_SCALE_BLOCKS:
        return None
    return float(1.4826 * np.median(np.abs(v - np.median(v)))) or None


def describe(found: float, relative: bool) -> str:
    if not math.isfinite(found):
        return "no effect at all"
    return f"±{100 * math.expm1(found):.1f} %" if relative else f"±{100 * found:.2g} points"


def report(tests: RolloutTests, analysis: AnalysisSpec, gate_seconds: float) -> list[dict[str, Any]]:
    """One entry per margin test of the rollout: measured spread, detectable effect, time needed."""
    alpha = 1.0 - analysis.confidence
    block = analysis.block_length
    out: list[dict[str, Any]] = []
    for key in sorted(tests.limits):
        earlier = tests.series[key].x if key in tests.series else []
        x = [*earlier, *tests.pending.get(key, [])]
        limit, relative = tests.limits[key]
        spread = spread_of(x)
        entry: dict[str, Any] = {"test": key, "blocks": len(x)}
        if spread is None:
            entry["summary"] = f"{key}: fewer than 3 blocks with a spread: no noise estimate yet."
            out.append(entry)
            continue
        found = betting.detectable(spread, gate_seconds / block, alpha)
        needed = betting.blocks_needed(abs(limit), spread, alpha) if math.isfinite(limit) else math.inf
        seconds = None if not math.isfinite(needed) else round(math.ceil(needed) * block, 1)
        entry.update(block_spread=round(spread, 5), detectable_beyond_margin=round(found, 5),
                     margin_decided_in_s=seconds)
        late = seconds is None or seconds > analysis.max_duration
        entry["summary"] = (
            f"{key}: at this noise (block spread {spread:.3g}) a {gate_seconds:g} s gate proves an effect "
            f"{describe(found, relative)} beyond the margin; deciding a candidate a whole margin away "
            f"takes about {'forever' if seconds is None else f'{seconds:g} s'}"
            + (f", more than maxDuration {analysis.max_duration:g} s: widen the margin or load harder" if late
               else "")
            + "."
        )
        out.append(entry)
    return out
