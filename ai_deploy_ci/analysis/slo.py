"""Absolute SLO checks on the candidate alone (e.g. p95 ≤ 250 ms, error rate ≤ 1 %).

Same three-way rule as the margins, on an always-valid interval for the candidate's own
level: FAIL when the interval lies beyond the SLO, PASS when inside and enough data,
INCONCLUSIVE otherwise. Levels use the t confidence sequence on per-block values, in the
metric's unit. Caveat (docs/analysis.md): unlike the paired log-ratios, one target's block
levels still carry the drift shared by both targets, so this interval is optimistic when the
drift is strong; the SLO is a guard rail, the margin is the statistical test.
"""

from __future__ import annotations

from ai_deploy_ci.analysis import sequential
from ai_deploy_ci.analysis.blocks import FloatArray
from ai_deploy_ci.analysis.noninferiority import Bound, decide
from ai_deploy_ci.spec.model import Slo
from ai_deploy_ci.verdict import Verdict


def slo_bounds(slo: Slo | None, unit: str) -> list[Bound]:
    if slo is None:
        return []
    suffix = "" if unit == "ratio" else f" {unit}"
    out = []
    if slo.max is not None:
        out.append(Bound(slo.max, True, f"≤ {slo.max:g}{suffix}"))
    if slo.min is not None:
        out.append(Bound(slo.min, False, f"≥ {slo.min:g}{suffix}"))
    return out


def level_interval(cand_blocks: FloatArray, alpha: float) -> tuple[float, float]:
    """Always-valid interval for the candidate's typical block value (mean of block statistics)."""
    return sequential.bounds(cand_blocks, alpha)


def decide_slo(low: float, high: float, slo: Slo | None, unit: str, *, enough: bool) -> Verdict:
    """Worst verdict over the SLO's max and min; no SLO is PASS-neutral (nothing to violate)."""
    return Verdict.worst(
        [decide(low, high, b, enough=enough) for b in slo_bounds(slo, unit)]
        or [Verdict.PASS if enough else Verdict.INCONCLUSIVE]
    )
