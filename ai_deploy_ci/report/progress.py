"""What the pipeline did: the strategy's steps, and the rollback if there was one.

Rendered from `rollout.json` alone; a reviewer reads it to learn how far the candidate got
(which weight it reached before it was judged) and whether the cluster is back as it was.
"""

from __future__ import annotations

from ai_deploy_ci.report import figures
from ai_deploy_ci.report.inputs import Results, get, number, objects
from ai_deploy_ci.report.markdown import bullets, cell, code, table, text
from ai_deploy_ci.report.sections import VERDICT_ICON
from ai_deploy_ci.report.trim import Block

STATUS = {
    "succeeded": "✅ done",
    "failed": "❌ failed",
    "skipped": "⏭️ skipped",
    "running": "⏳ running",
    "pending": "· pending",
}


FOLD_AFTER = 12  # rows; longer progress tables are folded


def progress(results: Results) -> Block | None:
    steps = objects(get(results.rollout, "steps", list))
    if not steps:
        return None
    rows = []
    for i, s in enumerate(steps):
        index = get(s, "index", int, i)
        weight = get(s, "weight", int)
        status = get(s, "status", str, "")
        result = STATUS.get(status, cell(status))
        verdict = get(s, "verdict", str)
        if verdict:
            result += f" ({text(verdict)})"
        took = figures.between(get(s, "started", str), get(s, "ended", str))
        rows.append(
            [
                str(index + 1),  # 1-based, as the run's log and its rollback reason number steps
                code(get(s, "kind", str, "?"), in_table=True) + " " + cell(get(s, "description", str, "")),
                f"{weight} %" if weight is not None else "—",
                figures.clock(get(s, "started", str)) if status not in ("skipped", "pending") else "—",
                figures.duration(took) if status not in ("skipped", "pending") else "—",
                result,
            ]
        )
    strategy = get(results.rollout, "strategy", str)
    router = get(results.rollout, "router", str)
    title = "### Strategy progress"
    if strategy:
        title += f" ({code(strategy)}" + (f" via {code(router)})" if router else ")")
    started, ended = get(results.rollout, "started", str), get(results.rollout, "ended", str)
    steps_table = table(
        ["#", "Step", "Weight", "Started (UTC)", "Took", "Result"],
        rows,
        ["right", "left", "right", "right", "right", "left"],
    )
    if len(rows) > FOLD_AFTER:  # a 50-step rollout is ~10,000 px of comment: folded, with where it stopped
        stop = next((r for r in rows if not r[-1].startswith(STATUS["succeeded"])), None)
        summary = f"{len(rows)} steps" + (f"; step {stop[0]}: {stop[-1]}" if stop else ", all done")
        steps_table = f"<details><summary>{summary}</summary>\n\n{steps_table}\n\n</details>"
    parts = [title, steps_table]
    total = figures.between(started, ended)
    if total is not None:
        date = figures.parse_time(started) or figures.parse_time(ended)
        day = date.strftime("%Y-%m-%d") if date else ""
        parts.append(
            f"Run {figures.clock(started)}–{figures.clock(ended)} UTC {day}, "
            f"{figures.duration(total)} in all."
        )
    return Block("\n\n".join(parts), name="progress")


def gates(results: Results) -> Block | None:
    """One row per analysis gate, so a canary's 10 % and 50 % judgements can be compared."""
    if len(results.gates) < 2:
        return None
    rows = []
    for gate in results.gates:
        v = gate.verdict
        name = get(v, "verdict", str)
        decided = number(v, "decided_at_s")
        rows.append(
            [
                text(gate.name),
                f"{VERDICT_ICON.get(name or '', '')} {cell(name)}".strip(),
                cell(get(v, "reason", str)),
                cell(get(v, "blocks", int)),
                figures.duration(decided) if decided is not None else "—",
            ]
        )
    return Block(
        "### Analysis gates\n\n"
        + table(
            ["Gate", "Verdict", "Reason", "Blocks", "Decided after"],
            rows,
            ["right", "left", "left", "right", "right"],
        ),
        name="gates",
    )


def rollback(results: Results) -> Block | None:
    record = get(results.rollout, "rollback", dict)
    if record is None:
        return None
    lines = ["### Rollback"]
    reason = get(record, "reason", str)
    lines.append(f"**Why:** {text(reason)}" if reason else "**Why:** not recorded.")
    actions = [text(a) for a in get(record, "actions", list, []) if isinstance(a, str)]
    if actions:
        lines.append("**What it did**, in order:\n\n" + bullets(actions, numbered=True))
    facts = []
    seconds = number(record, "seconds_to_no_traffic")
    if seconds is not None:
        facts.append(f"traffic left the candidate {figures.duration(seconds)} after the decision")
    restored = get(record, "restored", bool)
    if restored is True:
        facts.append("✅ the cluster matches its pre-run state")
    elif restored is False:
        facts.append("⚠️ **the cluster does not match its pre-run state: check it before the next run**")
    if facts:
        joined = "; ".join(facts)
        lines.append(joined[:1].upper() + joined[1:] + ".")
    return Block("\n\n".join(lines), name="rollback")
