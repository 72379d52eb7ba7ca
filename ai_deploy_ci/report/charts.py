"""Latency and throughput over time as Mermaid `xychart-beta`, each with a table fallback.

GitHub renders Mermaid in comments and summaries, but other viewers (mail notifications,
the API, screen readers) do not, so the same numbers always follow as a table.
xychart draws no legend; colours are fixed with an `init` directive and named in the
caption instead. Timelines longer than `MAX_POINTS` are merged into wider buckets: rates
are averaged, percentiles take the worst bucket (a merged chart must not hide a spike).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ai_deploy_ci.report import figures
from ai_deploy_ci.report.inputs import Results, get, number, objects
from ai_deploy_ci.report.markdown import details, fenced, table, text
from ai_deploy_ci.report.trim import Block

MAX_POINTS = 24
RANK_CHARTS = 1
BLUE, RED, GREEN, ORANGE = "#0969da", "#cf222e", "#1a7f37", "#bf8700"
TARGET_COLOURS = {"baseline": (BLUE, "🔵"), "candidate": (RED, "🔴")}
QUANTILE_COLOURS = (("p50", GREEN, "🟢"), ("p95", ORANGE, "🟠"), ("p99", RED, "🔴"))


@dataclass(frozen=True)
class Point:
    t: float
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int


def timeline(target: object) -> list[Point]:
    """A target's buckets, skipping malformed ones, in time order."""
    points = []
    for b in objects(get(target if isinstance(target, dict) else None, "timeline", list)):
        values = [number(b, k) for k in ("t", "rps", "p50", "p95", "p99")]
        if any(v is None for v in values):
            continue
        t, rps, p50, p95, p99 = (float(v or 0) for v in values)
        points.append(Point(t, rps, p50, p95, p99, int(number(b, "errors") or 0)))
    return sorted(points, key=lambda p: p.t)


def merge(points: Sequence[Point], max_points: int = MAX_POINTS) -> list[Point]:
    """At most `max_points` points: consecutive buckets merged (mean rate, worst percentiles)."""
    if len(points) <= max_points:
        return list(points)
    size = -(-len(points) // max_points)
    out = []
    for i in range(0, len(points), size):
        group = points[i : i + size]
        out.append(
            Point(
                group[0].t,
                sum(p.rps for p in group) / len(group),
                max(p.p50 for p in group),
                max(p.p95 for p in group),
                max(p.p99 for p in group),
                sum(p.errors for p in group),
            )
        )
    return out


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if abs(x) < 1e6 else f"{x:.0f}"


def xychart(
    title: str, x_label: str, xs: Sequence[float], y_label: str, series: Sequence[tuple[str, Sequence[float]]]
) -> str:
    """One `xychart-beta` block; `series` is (colour, values) per line, all as long as `xs`."""
    palette = ", ".join(colour for colour, _ in series)
    init = {
        "xyChart": {"width": 720, "height": 340},
        "themeVariables": {"xyChart": {"plotColorPalette": palette}},
    }
    top = max((v for _, values in series for v in values), default=1.0)
    lines = [
        f"%%{{init: {json.dumps(init)}}}%%",
        "xychart-beta",
        f'  title "{_quote(title)}"',
        f'  x-axis "{_quote(x_label)}" [{", ".join(_num(x) for x in xs)}]',
        f'  y-axis "{_quote(y_label)}" 0 --> {_num(_nice_ceiling(top))}',
        *(f"  line [{', '.join(_num(v) for v in values)}]" for _, values in series),
    ]
    return fenced("mermaid", "\n".join(lines))


def _quote(s: str) -> str:
    return s.replace('"', "'").replace("\n", " ")


def _nice_ceiling(x: float) -> float:
    """1, 2 or 5 × 10^k just above `x`, so axes read 0 → 200 rather than 0 → 187.3."""
    if x <= 0:
        return 1.0
    step = 10 ** len(str(int(x))) / 10
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * step >= x * 1.05:
            return m * step
    return x * 1.1


def _legend(pairs: Sequence[tuple[str, str]]) -> str:
    return "Lines: " + " · ".join(f"{mark} {text(name)}" for mark, name in pairs)


def charts(results: Results) -> Block | None:
    targets = get(results.summary, "targets", dict) or {}
    lines = {name: merge(timeline(t)) for name, t in targets.items() if name in TARGET_COLOURS}
    lines = {name: pts for name, pts in lines.items() if pts}
    if not lines:
        return None
    parts = ["### Latency and throughput over time"]
    names = list(lines)
    n = min(len(pts) for pts in lines.values())
    xs = [p.t for p in lines[names[0]][:n]]
    legend = _legend([(TARGET_COLOURS[name][1], name) for name in names])
    parts.append(
        xychart(
            "p95 latency (ms)",
            "seconds since start",
            xs,
            "ms",
            [(TARGET_COLOURS[name][0], [p.p95 for p in lines[name][:n]]) for name in names],
        )
    )
    parts.append(legend)
    parts.append(
        xychart(
            "Throughput (req/s)",
            "seconds since start",
            xs,
            "req/s",
            [(TARGET_COLOURS[name][0], [p.rps for p in lines[name][:n]]) for name in names],
        )
    )
    parts.append(legend)
    per_target = []
    for name in names:
        pts = lines[name]
        per_target.append(
            xychart(
                f"{name}: latency percentiles (ms)",
                "seconds since start",
                [p.t for p in pts],
                "ms",
                [(colour, [getattr(p, q) for p in pts]) for q, colour, _ in QUANTILE_COLOURS],
            )
        )
    per_target.append(_legend([(mark, q) for q, _, mark in QUANTILE_COLOURS]))
    parts.append(details("Latency percentiles per target", "\n\n".join(per_target)))
    parts.append(details("Chart data as a table", fallback_table(lines)))
    return Block("\n\n".join(parts), drop_rank=RANK_CHARTS, name="charts")


def fallback_table(lines: dict[str, list[Point]]) -> str:
    """Every charted number, one row per bucket and target."""
    rows = []
    for name, pts in lines.items():
        for p in pts:
            rows.append(
                [
                    f"{_num(p.t)} s",
                    text(name),
                    figures.sig(p.rps),
                    _num(p.p50),
                    _num(p.p95),
                    _num(p.p99),
                    figures.count(p.errors),
                ]
            )
    rows.sort(key=lambda r: (float(r[0][:-2]), r[1]))
    return table(
        ["t", "Target", "req/s", "p50 ms", "p95 ms", "p99 ms", "Errors"],
        rows,
        ["right", "left", "right", "right", "right", "right", "right"],
    )
