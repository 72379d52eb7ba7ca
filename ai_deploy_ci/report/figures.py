"""How numbers read in the report: units, signs, intervals, durations.

A reviewer compares two columns at a glance, so values keep three significant digits,
changes always carry a sign, and rates are shown as percentages (interval differences of
rates as percentage points, the unit the margins are written in).

    >>> value(118.4, "ms"), value(0.0061, "ratio"), change(18.42), change(None)
    ('118 ms', '0.61 %', '+18.4 %', '—')
    >>> interval([1.121, 1.249], "ratio", "ms")
    '+12.1 % … +24.9 %'
    >>> interval([0.0031, 0.0089], "difference", "ratio")
    '+0.31 … +0.89 pp'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

DASH = "—"


def sig(x: float, digits: int = 3) -> str:
    """`x` with `digits` significant digits, no exponent, no trailing zeros past the point."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    s = f"{x:,.{decimals}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def value(x: float | None, unit: str) -> str:
    if x is None:
        return DASH
    if unit == "ratio":
        return f"{x * 100:.2f} %" if 0 < abs(x) < 0.01 else f"{sig(x * 100)} %"
    if unit == "ms" and abs(x) >= 10_000:
        return f"{sig(x / 1000)} s"
    return f"{sig(x)} {unit}".strip()


def change(pct: float | None) -> str:
    if pct is None or not math.isfinite(pct):
        return DASH
    return f"{pct:+.1f} %"


def interval(bounds: Sequence[float] | None, kind: str, unit: str) -> str:
    """A confidence interval as the reader thinks of it: a relative change or a difference."""
    if not bounds or len(bounds) != 2 or not all(isinstance(b, int | float) for b in bounds):
        return DASH
    lo, hi = float(bounds[0]), float(bounds[1])
    if kind == "ratio":
        return f"{(lo - 1) * 100:+.1f} % … {(hi - 1) * 100:+.1f} %"
    if kind == "difference":
        if unit == "ratio":
            return f"{lo * 100:+.2f} … {hi * 100:+.2f} pp"
        return f"{_signed(lo)} … {_signed(hi)} {unit}".rstrip()
    return f"{value(lo, unit)} … {value(hi, unit)}"


def _signed(x: float) -> str:
    return ("+" if x >= 0 else "-") + sig(abs(x))


def duration(seconds: float | None) -> str:
    """`95 s`, `4 min 05 s`, `1 h 02 min`."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return DASH
    if seconds < 60:
        return f"{sig(seconds, 2)} s" if seconds < 10 else f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def parse_time(iso: object) -> datetime | None:
    if not isinstance(iso, str) or not iso:
        return None
    try:
        t = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def clock(iso: object) -> str:
    """`14:02:11` (UTC) from an ISO timestamp; the date is in the run header."""
    t = parse_time(iso)
    return t.astimezone(UTC).strftime("%H:%M:%S") if t else DASH


def between(start: object, end: object) -> float | None:
    a, b = parse_time(start), parse_time(end)
    return (b - a).total_seconds() if a and b else None


def count(n: float | None) -> str:
    return DASH if n is None else f"{int(n):,}"


def share(part: float | None, whole: float | None) -> str:
    if part is None or not whole:
        return DASH
    return f"{sig(part / whole * 100, 2)} %"
