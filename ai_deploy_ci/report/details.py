"""Collapsed detail sections: per-target load figures and how each metric was tested.

These answer the second question ("how was this measured?"), so they sit in `<details>`
and are the first blocks dropped when a comment must shrink.
"""

from __future__ import annotations

from ai_deploy_ci.report import figures
from ai_deploy_ci.report.inputs import Results, get, number, objects
from ai_deploy_ci.report.markdown import Align, bullets, cell, code, details, table, text
from ai_deploy_ci.report.trim import Block

RANK_LOAD = 3
RANK_TESTS = 2

QUANTILES = ("p50", "p90", "p95", "p99", "max")
RIGHT: tuple[Align] = ("right",)


def load_details(results: Results) -> Block | None:
    summary = results.summary
    targets = get(summary, "targets", dict)
    if not targets:
        return None
    rows, errors = [], []
    for name, target in targets.items():
        if not isinstance(target, dict):
            continue
        lat = get(target, "latency_ms", dict)
        rows.append(
            [
                f"**{text(name)}**",
                code(get(target, "url", str, "?"), in_table=True),
                figures.count(number(target, "count")),
                figures.count(number(target, "errors"))
                + f" ({figures.share(number(target, 'errors'), number(target, 'count'))})",
                figures.value(number(target, "rps"), ""),
                *(figures.value(number(lat, q), "") for q in QUANTILES),
            ]
        )
        kinds = get(target, "errors_by_kind", dict, {})
        if kinds:
            errors.append(
                f"{text(name)}: " + ", ".join(f"{code(k)} × {figures.count(number(kinds, k))}" for k in kinds)
            )
    body = [
        table(
            ["Target", "URL", "Requests", "Errors", "req/s", *(f"{q} ms" for q in QUANTILES)],
            rows,
            ["left", "left", *RIGHT * (3 + len(QUANTILES))],
        ),
    ]
    facts = []
    for label, key in (("load model", "load_model"), ("user class", "user")):
        value = get(summary, key, str)
        if value:
            facts.append(f"{label} {code(value)}")
    duration, warmup = number(summary, "duration_s"), number(summary, "warmup_s")
    if duration is not None:
        facts.append(
            f"{figures.duration(duration)} of load"
            + (f" after {figures.duration(warmup)} warm-up" if warmup else "")
        )
    processes = get(summary, "processes", int)
    if processes:
        facts.append(f"{processes} Locust process{'es' if processes > 1 else ''}")
    if facts:
        joined = " · ".join(facts)
        body.insert(0, joined[:1].upper() + joined[1:])
    if errors:
        body.append("Errors by kind:\n\n" + bullets(errors))
    return Block(details("Load test details", "\n\n".join(body)), drop_rank=RANK_LOAD, name="load details")


def test_details(results: Results) -> Block | None:
    checks = objects(get(results.verdict, "checks", list))
    if not checks:
        return None
    rows = [
        [
            cell(get(c, "metric", str, "?")),
            cell(get(c, "type", str)),
            cell(get(c, "test", str)),
            code(get(c, "source", str), in_table=True) if get(c, "source", str) else "—",
            cell(figures.sig(w) if (w := number(c, "weight")) is not None else None),
            cell(f"line {line}") if (line := get(c, "line", int)) else "—",
        ]
        for c in checks
    ]
    body = table(["Metric", "Type", "Test", "Source", "Weight", "deploy.yaml"], rows)
    note = (
        "Intervals are 95 % confidence intervals of the candidate/baseline effect, computed on "
        "per-block statistics (not raw requests, which are autocorrelated)."
    )
    return Block(
        details("How each metric was tested", f"{body}\n\n{note}"), drop_rank=RANK_TESTS, name="test details"
    )
