"""Every metric's judgement as a `Check` a person can read: values, interval, rule, reason.

Users of Argo Rollouts and Flagger cannot see why an analysis failed (argo-rollouts#1591,
flagger#1810); here every check carries the observed baseline and candidate values, the
always-valid interval, the margin or SLO it was held against, the test, and one sentence that
says what to do next. Infinite interval ends (not enough blocks yet) become `None` so the
JSON stays valid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, cast

from ai_deploy_ci.artifacts import Check
from ai_deploy_ci.spec.model import Metric
from ai_deploy_ci.verdict import Verdict


def fmt(value: float | None, unit: str) -> str:
    """A value in its unit: 241 ms, 0.35 %, 52.3 req/s."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit == "ratio":
        return f"{100 * value:.3g} %"
    return f"{value:.3g} {unit}"


def fmt_effect(value: float, kind: str) -> str:
    """An effect on its scale: ratio → signed %, difference → signed points, value → plain."""
    if not math.isfinite(value):
        return "−∞" if value < 0 else "+∞"
    if kind == "ratio":
        return f"{100 * (value - 1):+.1f} %"
    if kind == "difference":
        return f"{100 * value:+.2f} points"
    return f"{value:.4g}"


def fmt_interval(low: float, high: float, kind: str) -> str:
    return f"[{fmt_effect(low, kind)}, {fmt_effect(high, kind)}]"


def finite_interval(low: float, high: float) -> list[float] | None:
    return [low, high] if math.isfinite(low) and math.isfinite(high) else None


def change_pct(baseline: float | None, candidate: float | None) -> float | None:
    if baseline is None or candidate is None or baseline == 0:
        return None
    return round(100.0 * (candidate / baseline - 1.0), 3)


def rounded(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(f"{value:.6g}")


@dataclass(frozen=True)
class Shown:
    """What a check shows whatever its outcome: values, unit, the rule's labels, the data behind it."""

    unit: str
    baseline: float | None
    candidate: float | None
    slo: str | None
    margin: str | None
    source: str = "samples"


VerdictName = Literal["PASS", "INCONCLUSIVE", "FAIL"]


def name_of(verdict: Verdict) -> VerdictName:
    return cast(VerdictName, verdict.name)


def check(
    metric: Metric,
    verdict: Verdict,
    shown: Shown,
    *,
    interval: tuple[float, float] | None,
    interval_kind: str,
    test: str,
    reason: str,
) -> Check:
    """Assemble the verdict.json record of one metric."""
    iv = finite_interval(*interval) if interval is not None else None
    return Check(
        metric=metric.name,
        type=metric.type,
        verdict=name_of(verdict),
        critical=metric.critical,
        weight=metric.weight,
        unit=shown.unit,
        baseline=rounded(shown.baseline),
        candidate=rounded(shown.candidate),
        change_pct=change_pct(shown.baseline, shown.candidate),
        interval=[float(f"{v:.6g}") for v in iv] if iv else None,
        interval_kind=interval_kind,
        slo=shown.slo,
        margin=shown.margin,
        test=test,
        reason=reason,
        source=shown.source,
        line=metric.line,
    )


def reason_margin(verdict: Verdict, what: str, interval: str, margin: str, blocks: int, enough: bool) -> str:
    """One sentence for a margin decision."""
    if verdict is Verdict.FAIL:
        return (
            f"{what} is worse than the {margin} margin: the always-valid interval {interval} lies "
            f"entirely beyond it after {blocks} blocks — fix the regression or widen the margin "
            "if it is expected."
        )
    if verdict is Verdict.PASS:
        return (
            f"{what} is within the {margin} margin: the interval {interval} lies inside it "
            f"after {blocks} blocks."
        )
    if not enough:
        return (
            f"{what}: not enough data to pass yet ({blocks} paired blocks, interval {interval}) — run "
            "longer so the minimum duration and blocks are reached."
        )
    return (
        f"{what}: the interval {interval} still straddles the {margin} margin after {blocks} blocks — "
        "run longer or with more load to decide."
    )


def reason_slo(verdict: Verdict, what: str, interval: str, slo: str, enough: bool) -> str:
    """One sentence for an SLO decision."""
    if verdict is Verdict.FAIL:
        return f"candidate {what} breaks the SLO {slo}: its interval {interval} lies entirely beyond it."
    if verdict is Verdict.PASS:
        return f"candidate {what} meets the SLO {slo}: its interval {interval} lies inside it."
    if not enough:
        return f"candidate {what}: not enough data to confirm the SLO {slo} yet — run longer."
    return (
        f"candidate {what}: the interval {interval} straddles the SLO {slo} — it is too close to call; "
        "run longer or revisit the SLO."
    )


def reason_no_data(what: str, target: str) -> str:
    return (
        f"no data for {what} on the {target} in the analysed blocks — check that load reached the "
        f"{target} and that its requests succeed."
    )
