"""Per-metric verdicts → one verdict: critical metrics alone, the rest by a Kayenta-like score.

Kayenta scores a canary as 100 × (weight of passing metrics) / (total weight) and compares it
with pass and marginal thresholds. A sequential judge also has undecided metrics, so we score
both ends: `low` counts INCONCLUSIVE as not passing, `high` as passing.

    low ≥ pass_score          → PASS
    high < marginal_score     → FAIL   (even if every undecided metric passed, it is too low)
    otherwise                 → INCONCLUSIVE (the marginal band, or not decided yet)

Critical metrics do not enter the score: a critical FAIL fails the run, a critical
INCONCLUSIVE keeps it at least INCONCLUSIVE. No metric at all is INCONCLUSIVE, never PASS.
"""

from __future__ import annotations

from dataclasses import dataclass

from ai_deploy_ci.verdict import Verdict


@dataclass(frozen=True)
class Scored:
    verdict: Verdict
    score: float | None  # the conservative (low) score, None without non-critical metrics
    reason: str


def combine(results: list[tuple[Verdict, bool, float]], pass_score: float, marginal_score: float) -> Scored:
    """results: (verdict, critical, weight) per metric."""
    if not results:
        return Scored(Verdict.INCONCLUSIVE, None, "no metric to judge")
    critical = [v for v, c, _ in results if c]
    others = [(v, w) for v, c, w in results if not c and w > 0]
    verdicts = list(critical)
    score: float | None = None
    why = ""
    if others:
        total = sum(w for _, w in others)
        low = 100.0 * sum(w for v, w in others if v is Verdict.PASS) / total
        high = 100.0 * sum(w for v, w in others if v is not Verdict.FAIL) / total
        score = round(low, 2)
        if low >= pass_score:
            group = Verdict.PASS
        elif high < marginal_score:
            group = Verdict.FAIL
            why = f"score at most {high:.0f} < marginal {marginal_score:g}"
        else:
            group = Verdict.INCONCLUSIVE
            why = f"score {low:.0f}–{high:.0f} between marginal {marginal_score:g} and pass {pass_score:g}"
        verdicts.append(group)
    overall = Verdict.worst(verdicts)
    if any(v is Verdict.FAIL for v in critical):
        why = "a critical metric failed"
    elif overall is Verdict.INCONCLUSIVE and any(v is Verdict.INCONCLUSIVE for v in critical):
        why = "a critical metric is not decided"
    return Scored(overall, score, why)
