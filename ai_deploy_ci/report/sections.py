"""The essential sections a reviewer reads first: headline, metrics, availability, links.

Each function takes the parsed files (any may be None) and returns a `Block` or None when
it has nothing to say, so a run that failed before load still gets an honest report.
"""

from __future__ import annotations

from ai_deploy_ci.artifacts import LOCUST_HTML, SAMPLES_FILE
from ai_deploy_ci.report import figures
from ai_deploy_ci.report.card import status_card
from ai_deploy_ci.report.inputs import JsonObject, RenderContext, Results, get, number, objects
from ai_deploy_ci.report.markdown import bullets, cell, code, link, table, text
from ai_deploy_ci.report.trim import Block

VERDICT_ICON = {"PASS": "✅", "INCONCLUSIVE": "⚠️", "FAIL": "❌"}
DECISION = {"PASS": "✅ pass", "INCONCLUSIVE": "⚠️ inconclusive", "FAIL": "❌ fail"}
OUTCOME = {
    "promoted": ("✅", "Promoted"),
    "rolled_back": ("❌", "Rolled back"),
    "paused": ("⏸️", "Paused for approval"),
    "failed": ("❌", "Failed"),
    "dry_run": ("🧪", "Dry run"),
    "not_started": ("⛔", "Not deployed"),
    "cancelled": ("🛑", "Cancelled and rolled back"),
}
# rollout.json's `not_started.stage`: why a run changed nothing (`ai_deploy_ci.artifacts.NotStartedRecord`)
NOT_STARTED = {
    "preflight": "preflight failed",
    "lock": "another run holds the lock",
    "plan": "the run could not read the cluster or plan",
    "cancelled": "the job was cancelled before the first change",
}


def headline_state(results: Results) -> tuple[str, str]:
    """(icon, words) from the outcome and verdict: ✅ promoted / ❌ rolled back / ⚠️ inconclusive.

    An INCONCLUSIVE verdict always shows ⚠️, whatever the policy did with it, because the
    reviewer's next step differs (run longer) from a real regression (fix the model).
    """
    verdict = get(results.verdict, "verdict", str)
    outcome = get(results.rollout, "outcome", str)
    if verdict == "INCONCLUSIVE":
        did = OUTCOME.get(outcome or "", ("", ""))[1].lower()
        return "⚠️", "Inconclusive" + (f" — {did}" if did else "")
    if outcome in OUTCOME:
        return OUTCOME[outcome]
    if verdict == "PASS":
        return "✅", "Passed"
    if verdict == "FAIL":
        return "❌", "Regression detected"
    return "⚠️", "No verdict"


def _title(results: Results, ctx: RenderContext) -> str:
    if ctx.title:
        return text(ctx.title)
    name = get(results.rollout, "name", str)
    version = get(results.rollout, "candidate_version", str)
    if name:
        return f"{text(name)} {code(version)}" if version else text(name)
    return "model deployment"


UNTRUSTED = (
    "> [!WARNING]\n> These results were uploaded by the pull request's own workflow run, which the"
    " pull request's author controls (a fork can write anything there). This job only rendered them:"
    " the verdict is that run's claim, and text marked *fork-supplied* is quoted as written."
)


def headline(results: Results, ctx: RenderContext) -> Block:
    """The verdict line. With `ctx.untrusted` the icon and words still come only from the
    enumerated verdict/outcome (a forged file cannot put its own words in the heading), the
    title is the target alone, and the reason is shown as the fork's words, not ours."""
    icon, words = headline_state(results)
    title = "pull request results" if ctx.untrusted else _title(results, ctx)
    lines = [f"## {icon} {words}: {title} → {text(ctx.target)}"]
    card = status_card(results, ctx)
    if card:
        lines.append(card)
    if ctx.untrusted:
        lines.append(UNTRUSTED)
    reason = get(results.verdict, "reason", str) or get(get(results.rollout, "rollback", dict), "reason", str)
    why_not = not_started(results)
    if why_not:
        lines.append(why_not)
    elif reason and ctx.untrusted:
        lines.append(f"Reason (*fork-supplied*): {text(reason)}")
    elif reason:
        lines.append(f"**{text(reason)}**")
    elif results.empty:
        lines.append("**No results were written: the run stopped before the load test.**")
    facts: list[str] = []
    strategy, router = get(results.rollout, "strategy", str), get(results.rollout, "router", str)
    if strategy:
        facts.append(f"{code(strategy)}" + (f" via {code(router)}" if router else ""))
    base, cand = get(results.rollout, "baseline_version", str), get(results.rollout, "candidate_version", str)
    if cand and get(results.rollout, "outcome", str) == "not_started":
        facts.append(f"{code(cand)} not deployed")
    elif cand:
        facts.append(f"{code(base) if base else 'nothing'} → {code(cand)}")
    facts.extend(_verdict_facts(results.verdict))
    if facts:
        lines.append(" · ".join(facts))
    return Block("\n\n".join(lines), name="headline")


def not_started(results: Results) -> str | None:
    """The sentence for a run that stopped before its first change (outcome `not_started`):
    "Nothing was deployed: preflight failed — <reason>.", and the fix; None for any other run."""
    if get(results.rollout, "outcome", str) != "not_started":
        return None
    record = get(results.rollout, "not_started", dict)
    stage = get(record, "stage", str, "")
    why = NOT_STARTED.get(stage, "the run stopped before its first step")
    reason = get(record, "reason", str)
    sentence = f"**Nothing was deployed: {why}" + (f" — {text(reason.rstrip('.'))}" if reason else "") + ".**"
    fix = get(record, "fix", str)
    return sentence + (f"\n\n**Fix:** {text(fix)}" if fix else "")


def _verdict_facts(verdict: JsonObject | None) -> list[str]:
    name = get(verdict, "verdict", str)
    if not name:
        return []
    words = f"verdict **{text(name)}**"
    blocks = get(verdict, "blocks", int)
    decided = number(verdict, "decided_at_s")
    if blocks:
        words += f" after {blocks} blocks"
    if decided is not None:
        words += f" ({figures.duration(decided)} of load" + (
            ", stopped early)" if get(verdict, "stopped_early", bool) else ")"
        )
    score = number(verdict, "score")
    return [words] + ([f"score {figures.sig(score)}"] if score is not None else [])


def problems(results: Results) -> Block | None:
    """Missing or broken files, said plainly: the reader must know what the report lacks."""
    notes = list(results.problems)
    present = {
        "summary.json": results.summary,
        "verdict.json": results.verdict,
        "rollout.json": results.rollout,
    }
    missing = [n for n, v in present.items() if v is None and not any(n in p for p in notes)]
    stopped_early = get(results.rollout, "outcome", str) == "not_started"  # no load ran: nothing missing
    if missing and not results.empty and not stopped_early:
        notes.append("not written: " + ", ".join(code(m) for m in missing))
    if not notes:
        return None
    return Block("> [!NOTE]\n> Incomplete results — " + "; ".join(notes) + ".", name="problems")


def load_warnings(results: Results) -> Block | None:
    """A saturated generator measures itself, so that warning belongs next to the verdict."""
    summary = results.summary
    warnings = [text(w) for w in get(summary, "warnings", list, []) if isinstance(w, str)]
    if get(summary, "saturated", bool):
        warnings.insert(0, "**The load generator was saturated (CPU); latency figures are not trustworthy.**")
    if not warnings:
        return None
    return Block("> [!WARNING]\n" + "\n".join(f"> - {w}" for w in warnings), name="warnings")


NBSP = "\u00a0"


def unbroken(value: str) -> str:
    """A value cell that never wraps inside a number and its unit ("+388.3 %", "1,305 req/s"):
    its spaces become no-break spaces, except around the "…" of an interval, where a narrow
    column (GitHub's ≈ 780 px comment) may break between the two bounds."""
    return " … ".join(part.replace(" ", NBSP) for part in value.split(" … "))


def metrics(results: Results) -> Block | None:
    checks = objects(get(results.verdict, "checks", list))
    if not checks:
        return None
    rows = []
    for c in checks:
        unit = get(c, "unit", str, "")
        name = cell(get(c, "metric", str, "?"))
        bounds = [b for b in (get(c, "slo", str), get(c, "margin", str)) if b]
        decision = DECISION.get(get(c, "verdict", str, ""), cell(get(c, "verdict", str)))
        if get(c, "critical", bool):
            decision += " · critical"
        rows.append(
            [
                name,
                unbroken(figures.value(number(c, "baseline"), unit)),
                unbroken(figures.value(number(c, "candidate"), unit)),
                unbroken(_change(c, unit)),
                unbroken(figures.interval(get(c, "interval", list), get(c, "interval_kind", str, ""), unit)),
                cell(" · ".join(bounds)),
                decision,
            ]
        )
    goodput = _goodput_row(results.summary)
    if goodput:
        rows.append(goodput)
    out = [
        "### Metrics",
        table(
            ["Metric", "Baseline", "Candidate", "Change", "Interval (95 %)", "SLO · margin", "Decision"],
            rows,
            ["left", "right", "right", "right", "right", "left", "left"],
        ),
    ]
    headline_reason = get(results.verdict, "reason", str)  # already the headline's line: not twice
    why = [
        f"{VERDICT_ICON.get(get(c, 'verdict', str, ''), '')} **{text(get(c, 'metric', str, '?'))}**: "
        f"{text(get(c, 'reason', str, ''))}"
        for c in checks
        if get(c, "verdict", str) != "PASS"
        and get(c, "reason", str) not in (None, "", headline_reason)
    ]
    if why:
        out.append(bullets(why))
    return Block("\n\n".join(out), name="metrics")


GOODPUT_SLO = {"latency_ms": "latency", "ttft_ms": "TTFT", "tpot_ms": "TPOT"}


def _goodput_row(summary: JsonObject | None) -> list[str] | None:
    """Goodput from summary.json, shown beside the judged metrics but not judged itself."""
    targets = get(summary, "targets", dict, {})
    base, cand = (number(get(targets, t, dict), "goodput") for t in ("baseline", "candidate"))
    if base is None and cand is None:
        return None
    slos = get(summary, "goodput_slos", dict, {})
    bounds = [
        f"{GOODPUT_SLO.get(k, k)} ≤ {figures.value(v, 'ms')}"
        for k, v in slos.items()
        if isinstance(v, int | float)
    ]
    change = (cand / base - 1.0) * 100.0 if base and cand is not None else None
    return [
        "goodput",
        figures.value(base, "req/s"),
        figures.value(cand, "req/s"),
        figures.change(change),
        figures.DASH,
        cell("per request: " + ", ".join(bounds) if bounds else "no SLO: every success counts"),
        "not judged",
    ]


def _change(check: JsonObject, unit: str) -> str:
    """Relative change, except for rates, where a ratio of two small numbers is noise (pp)."""
    base, cand = number(check, "baseline"), number(check, "candidate")
    if unit == "ratio" and base is not None and cand is not None:
        return f"{(cand - base) * 100:+.2f} pp"
    return figures.change(number(check, "change_pct"))


def availability(results: Results) -> Block | None:
    avail = get(results.summary, "availability", dict)
    if avail is None:
        if results.summary is None:
            return None
        return Block(
            "### Availability during the rollout\n\n_No availability probe ran._", name="availability"
        )
    total, failed = number(avail, "requests"), number(avail, "failed")
    streak, streak_s = number(avail, "longest_failure_streak"), number(avail, "longest_failure_seconds")
    url = get(avail, "url", str)
    icon = "✅" if failed == 0 else "⚠️"
    sentence = f"{icon} {figures.count(failed)} of {figures.count(total)} probe requests failed"
    if failed:
        sentence += (
            f" ({figures.share(failed, total)}); longest failure streak: {figures.count(streak)} requests"
        )
        sentence += f" ({figures.duration(streak_s)})" if streak_s is not None else ""
    sentence += f" — probing {code(url)}." if url else "."
    return Block(f"### Availability during the rollout\n\n{sentence}", name="availability")


def links(results: Results, ctx: RenderContext) -> Block | None:
    parts = []
    if ctx.run_url:
        parts.append(link("workflow run", ctx.run_url))
    artifacts = ctx.artifact_url or (f"{ctx.run_url}#artifacts" if ctx.run_url else None)
    names = [n for n in (SAMPLES_FILE, LOCUST_HTML) if n in results.files]
    if results.summary is not None:
        names = [get(results.summary, "samples_file", str) or SAMPLES_FILE]
        names.append(get(results.summary, "locust_html", str) or LOCUST_HTML)
    if names:
        files = f"raw samples {code(names[0])}" + (
            f", Locust report {code(names[1])}" if len(names) > 1 else ""
        )
        parts.append(f"{link('artifacts', artifacts)} ({files})" if artifacts else f"artifacts: {files}")
    commit = ctx.commit or get(results.rollout, "commit", str)
    if commit:
        url = f"{ctx.server_url}/{ctx.repository}/commit/{commit}" if ctx.repository else None
        parts.append("commit " + link(code(commit[:7]), url))
    if not parts:
        return None
    return Block("**Links:** " + " · ".join(parts), name="links")
