"""Durations as people write them (`30s`, `5m`, `1h30m`, `250ms`) or as plain seconds.

The schema accepts the shape; this module also insists on units from largest to smallest,
each once (`30m1h` is almost certainly a typo), like Go's time.ParseDuration users expect.
"""

from __future__ import annotations

import math
import re

_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|h|m|s)")
_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_ORDER = ["h", "m", "s", "ms"]


class DurationError(ValueError):
    """Why a duration is invalid, phrased for the user."""


def parse_duration(value: object) -> float:
    """Seconds for a duration value.

    >>> parse_duration("1h30m"), parse_duration("250ms"), parse_duration(45)
    (5400.0, 0.25, 45.0)
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DurationError(f"expected a duration such as 30s, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise DurationError(f"duration must be a finite number of seconds ≥ 0, got {value}")
        return float(value)
    text = value.strip()
    pos, total, last = 0, 0.0, -1
    for match in _PART.finditer(text):
        if match.start() != pos:
            break
        unit = match.group(2)
        rank = _ORDER.index(unit)
        if rank <= last:
            raise DurationError(
                f"units in '{value}' must go from hours to milliseconds, each once (e.g. 1h30m)"
            )
        last = rank
        total += float(match.group(1)) * _SECONDS[unit]
        pos = match.end()
    if pos != len(text) or not text:
        raise DurationError(f"'{value}' is not a duration: use e.g. 30s, 5m, 1h30m, 250ms")
    return total


def format_duration(seconds: float) -> str:
    """Inverse for messages: 90 → '1m30s', 0.25 → '250ms'."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    out, rest = "", round(seconds)
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if rest >= size:
            out += f"{rest // size}{unit}"
            rest %= size
    return out or "0s"
