"""Load shapes as pure arithmetic: how many users when, and when arrivals happen.

Two models, as in the inference benchmarks:
- closed: `users` per target send back-to-back; ramped at `spawn_rate` users/s per target.
  Measures latency at a fixed concurrency (vLLM `--max-concurrency`).
- open: requests arrive at `arrival_rate`/s per target whether or not earlier ones finished
  (constant gaps or Poisson, as vLLM `bench serve --request-rate`). One dispatcher user per
  target and process turns the schedule into requests; a slow server then shows up as growing
  latency instead of silently fewer requests.
The Locust `LoadTestShape` in `wrap.py` calls `users_at`; returning None is the hard stop.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from ai_deploy_ci.load.config import RunConfig


def total_users(config: RunConfig) -> int:
    """Users Locust must run, both targets together (the two classes have equal weights)."""
    if config.load_model == "open":
        return 2 * max(1, config.processes)
    return 2 * config.users_per_target


def users_at(config: RunConfig, run_time: float) -> tuple[int, float] | None:
    """(total users, spawn rate/s) for Locust's shape tick; None once the run is over.

    The spawn rate is doubled because it is given per target. Open-model dispatchers all start
    at once: their arrivals, not their number, set the load.
    """
    if run_time >= config.run_time:
        return None
    if config.load_model == "open":
        n = total_users(config)
        return n, float(n)
    return total_users(config), 2.0 * config.spawn_rate


def arrival_gaps(rate: float, kind: str, rng: random.Random) -> Iterator[float]:
    """Seconds between arrivals for one dispatcher: exponential (Poisson process) or constant."""
    if rate <= 0:
        raise ValueError("arrival rate must be positive")
    while True:
        yield rng.expovariate(rate) if kind == "poisson" else 1.0 / rate


def dispatcher_rate(config: RunConfig) -> float:
    """Arrival rate of one dispatcher: the per-target rate split over processes."""
    if config.arrival_rate is None:
        raise ValueError("open model needs arrival_rate")
    return config.arrival_rate / max(1, config.processes)


def describe(config: RunConfig) -> str:
    """The `load_model` string of summary.json."""
    if config.load_model == "open":
        return f"open: {config.arrival} {config.arrival_rate:g}/s per target"
    return f"closed: {config.users_per_target} users per target"


def pick_target(spawned: dict[str, int], own: str, targets: list[str]) -> str:
    """The target a new user in this process loads: the one with fewer users here, ties → own.

    Locust hands users to workers round robin in class order, so with two classes and two
    workers each worker would get one target only; balancing per process keeps both targets
    in every process (same CPU, same drift) and the totals equal. Updates `spawned`.
    """
    least = min(spawned.get(t, 0) for t in targets)
    choice = own if spawned.get(own, 0) == least else next(t for t in targets if spawned.get(t, 0) == least)
    spawned[choice] = spawned.get(choice, 0) + 1
    return choice
