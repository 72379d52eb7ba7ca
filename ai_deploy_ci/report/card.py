"""The status card: what a reviewer needs before scrolling, in one row at the top of the comment.

Verdict, the one number that decided it (the first failing critical metric, else the first
failing, undecided or judged one), availability during the rollout, and the link to the run;
everything else (metrics, rollback, progress, charts) follows and may be folded. Pure.
"""

from __future__ import annotations

from ai_deploy_ci.report import figures
from ai_deploy_ci.report.inputs import JsonObject, RenderContext, Results, get, number, objects
from ai_deploy_ci.report.markdown import cell, link, table

VERDICT = {"PASS": "✅ PASS", "FAIL": "❌ FAIL", "INCONCLUSIVE": "⚠️ INCONCLUSIVE"}
NBSP = "\u00a0"


def deciding_check(checks: list[JsonObject]) -> JsonObject | None:
    """The check the verdict hangs on: FAIL and critical, FAIL, INCONCLUSIVE, else the first."""
    for wanted in (("FAIL", True), ("FAIL", None), ("INCONCLUSIVE", None)):
        for c in checks:
            if get(c, "verdict", str) == wanted[0] and (wanted[1] is None or get(c, "critical", bool)):
                return c
    return checks[0] if checks else None


def _decided_by(results: Results) -> str:
    check = deciding_check(objects(get(results.verdict, "checks", list)))
    if check is None:
        return "—"
    base, cand = number(check, "baseline"), number(check, "candidate")
    if get(check, "unit", str) == "ratio" and base is not None and cand is not None:
        change = f"{(cand - base) * 100:+.2f} pp"
    else:
        change = figures.change(number(check, "change_pct"))
    return f"{cell(get(check, 'metric', str, '?'))} {change.replace(' ', NBSP)}"


def _availability(results: Results) -> str:
    avail = get(results.summary, "availability", dict)
    total, failed = number(avail, "requests"), number(avail, "failed")
    if not total or failed is None:
        return "—"
    said = f"{figures.count(failed)} of {figures.count(total)} probes failed".replace(" ", NBSP)
    if not failed:
        return f"✅ {said}"
    return f"⚠️ {said} ({figures.share(failed, total).replace(' ', NBSP)})"


def status_card(results: Results, ctx: RenderContext) -> str | None:
    """A one-row table, or None when there is no verdict (the run stopped before judging)."""
    name = get(results.verdict, "verdict", str)
    if not name:
        return None
    run = link("logs", ctx.run_url) if ctx.run_url else "—"
    return table(["Verdict", "Decided by", "Availability", "Run"],
                 [[VERDICT.get(name, cell(name)), _decided_by(results), _availability(results), run]])
