"""Is the measurement fit to judge? Invalid latencies, blocks a target does not cover, clock skew.

Why: a judge that only tests effects can PASS garbage — negative latencies against an
SLO-only metric, a candidate that had traffic in one block of eight, samples covering 30 of
120 s, a target whose clock runs 60 s behind (its blocks pair with the wrong baseline blocks).
These are broken measurements, not undecided effects: a `problem` makes the run INCONCLUSIVE
and `onInconclusive: pass` does not cover it. A `warning` is recorded in verdict.json and the
verdict stands (e.g. a few NaN latencies, dropped and counted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ai_deploy_ci.analysis import blocks as bl
from ai_deploy_ci.samples import Samples

INVALID_SHARE = 0.01  # more than 1 % of successful requests without a valid latency: broken
SKEW_BLOCKS = 0.5  # first/last requests of the targets further apart than half a block: skew


@dataclass
class Quality:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def invalid_latencies(s: Samples, rows: slice) -> int:
    """Successful requests whose latency is not a positive finite number (NaN, ≤ 0, ∞)."""
    lat, ok = s.latency_ms[rows], s.ok[rows]
    return int(np.count_nonzero(ok & ~(np.isfinite(lat) & (lat > 0))))


def inspect(cuts: dict[str, bl.Cut], lay: bl.Layout) -> Quality:
    """Problems and warnings of the analysed blocks of both targets ("baseline", "candidate")."""
    q = Quality()
    if lay.count == 0:
        return q
    for name, cut in cuts.items():
        rows = cut.rows
        total = int(np.count_nonzero(cut.samples.ok[rows]))
        bad = invalid_latencies(cut.samples, rows)
        if bad:
            text = f"{bad} of {total} successful {name} requests have no valid latency (NaN, ≤ 0 or ∞)"
            if bad > INVALID_SHARE * max(total, 1):
                q.problems.append(f"{text}: the samples are broken; check the load generator's clock")
            else:
                q.warnings.append(f"{text}; dropped")
    sizes = {name: np.diff(cut.bounds) for name, cut in cuts.items()}
    if all(int(v.sum()) > 0 for v in sizes.values()):  # an empty target is reported by the judge
        for name, per in sizes.items():
            missing = int(np.count_nonzero(per < bl.MIN_REQUESTS_PER_BLOCK))
            if missing:
                q.problems.append(
                    f"the {name} has fewer than {bl.MIN_REQUESTS_PER_BLOCK} requests in {missing} of "
                    f"{lay.count} blocks: its samples do not cover the analysed window"
                )
        q.problems += _skew(cuts, lay)
    return q


def _skew(cuts: dict[str, bl.Cut], lay: bl.Layout) -> list[str]:
    """First and last request of each target inside the window: far apart means one clock (or
    one target's load) is shifted, and block k of one is not block k of the other."""
    edges = {}
    for name, cut in cuts.items():
        t = cut.samples.t[cut.rows]
        edges[name] = (float(t[0]), float(t[-1])) if t.size else None
    b, c = edges.get("baseline"), edges.get("candidate")
    if b is None or c is None:
        return []
    limit = SKEW_BLOCKS * lay.length
    start_gap, end_gap = c[0] - b[0], c[1] - b[1]
    if abs(start_gap) > limit or abs(end_gap) > limit:
        return [
            f"the candidate's requests start {start_gap:+.1f} s and end {end_gap:+.1f} s from the "
            f"baseline's (more than {limit:g} s): clock skew or a target whose load stopped"
        ]
    return []
