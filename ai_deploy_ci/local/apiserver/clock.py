"""The server's time model: one scaled clock shared by every controller and timestamp.

Cluster time starts at the wall-clock time of start-up and advances `time_scale` times faster,
so a readiness probe with `initialDelaySeconds: 5` at `time_scale=50` is ready after 0.1 s of
wall time, and a `progressDeadlineSeconds: 600` deployment fails after 12 s. Timestamps written to
objects are cluster time (RFC 3339, UTC, whole seconds, as on a real server).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


class Clock:
    """Scaled monotonic clock; `now()` is cluster seconds since the epoch."""

    def __init__(self, time_scale: float = 1.0) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.time_scale = time_scale
        self._wall0 = time.time()
        self._mono0 = time.monotonic()

    def now(self) -> float:
        return self._wall0 + (time.monotonic() - self._mono0) * self.time_scale

    def wall_seconds(self, cluster_seconds: float) -> float:
        """How long a cluster duration lasts in wall time (for sleeps and timeouts)."""
        return cluster_seconds / self.time_scale

    def stamp(self, at: float | None = None) -> str:
        return format_time(self.now() if at is None else at)

    def micro_stamp(self) -> str:
        return datetime.fromtimestamp(self.now(), UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def format_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> float | None:
    if not text:
        return None
    text = text.replace("Z", "+00:00")
    return datetime.fromisoformat(text).timestamp()
