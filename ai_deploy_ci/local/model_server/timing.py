"""Sleeping to a deadline with sub-millisecond accuracy, without burning CPU.

`time.sleep` here wakes 0.1–0.3 ms late (timer slack, a shared VM), which alone is 1–2 % of a
20 ms service time — as much as the tests' tolerance. Spinning would fix it but costs a core
under thousands of requests/s. Instead we wake early by a running estimate of the median
overshoot (a stochastic-approximation median: step towards each new sample by a fixed amount),
so the median wake-up lands on the deadline.
"""

from __future__ import annotations

import time


class DeadlineSleeper:
    """Shared across threads; the unlocked estimate update is a benign race."""

    def __init__(self, initial_s: float = 100e-6, step_s: float = 5e-6, cap_s: float = 2e-3):
        self.estimate = initial_s
        self.step = step_s
        self.cap = cap_s

    def sleep_until(self, deadline: float) -> None:
        target = deadline - self.estimate
        remaining = target - time.perf_counter()
        if remaining <= 0:
            return
        time.sleep(remaining)
        overshoot = time.perf_counter() - target
        if overshoot > self.estimate:
            self.estimate = min(self.cap, self.estimate + self.step)
        else:
            self.estimate = max(0.0, self.estimate - self.step)


_DEFAULT = DeadlineSleeper()


def sleep_until(deadline: float) -> None:
    """Sleep until `deadline` (a `time.perf_counter()` value); the median error is ~0."""
    _DEFAULT.sleep_until(deadline)
