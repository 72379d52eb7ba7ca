"""One progress line every few seconds on stderr, readable in a GitHub Actions log.

A GitHub log has no terminal: no carriage returns, no tables that scroll away. One line per
interval with both targets side by side shows at a glance whether the run is healthy.
Pure formatting; the plugin calls it inside Locust, the runner forwards lines prefixed `PREFIX`.
"""

from __future__ import annotations

from collections.abc import Mapping

PREFIX = "[load]"


def format_line(elapsed: float, run_time: float, warmup: float, counts: Mapping[str, tuple[int, int]],
                users: int, cpu: float | None) -> str:
    """E.g. `[load] 20s/40s (measuring) users=20 | baseline 1203 req 0.2% err 60.2/s | ... | cpu 35%`.

    counts: cumulative (requests, failures) per target. The rate is the average since the start:
    workers report to the master only every 3 s, so a per-interval rate would jump.
    """
    phase = "warm-up" if elapsed < warmup else "measuring"
    parts = [f"{PREFIX} {elapsed:4.0f}s/{run_time:.0f}s ({phase}) users={users}"]
    for target in sorted(counts):
        n, err = counts[target]
        rate = n / elapsed if elapsed > 0 else 0.0
        share = 100.0 * err / n if n else 0.0
        parts.append(f"{target} {n} req {share:.1f}% err {rate:.1f}/s")
    if cpu is not None:
        parts.append(f"cpu {cpu:.0f}%")
    return " | ".join(parts)


def sum_counts(reports: Mapping[str, Mapping[str, tuple[int, int]]]) -> dict[str, tuple[int, int]]:
    """Add the cumulative per-target counts that each Locust worker reported to the master."""
    total: dict[str, tuple[int, int]] = {}
    for counts in reports.values():
        for target, (n, err) in counts.items():
            a, b = total.get(target, (0, 0))
            total[target] = (a + int(n), b + int(err))
    return total
