"""Load shapes as pure arithmetic: how many users when, and when arrivals happen.

Two models, as in the inference benchmarks:
- closed: `users` per target send back-to-back; ramped at `spawn_rate` users/s per target.
  Measures latency at a fixed concurrency (vLLM `--max-concurrency`).
- open: requests arrive at `arrival_rate`/s per target whether or not earlier ones finished
  (constant gaps or Poisson, as vLLM `bench serve --request-rate`). One dispatcher user per
  target and process turns the schedule into requests; a slow server then shows up as growing
  latency instead of silently fewer requests.
Stages (`load.stages`, like k6's `stages`): a list of levels, each held for its duration, the
same for both targets. Closed stages set users per target (ramped at `spawn_rate`), open stages
a rate per target. The warm-up runs at the first stage's level, the measured window plays the
stages; a measured duration longer than the stages (a gate's own duration) holds the last one,
a shorter one cuts the schedule. `schedule` is that timeline; `locust_stages` its Locust form,
played by `ai_deploy_ci.load_users.stages.StagesShape` (returning None there is the hard stop);
`arrival_times` turns an open schedule into arrival offsets, exact across rate changes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence

from ai_deploy_ci.load.config import RunConfig

Segment = tuple[float, float]  # (end, seconds since the run started; level per target)


def total_users(config: RunConfig) -> int:
    """Users Locust must run at once, both targets together (the two classes have equal weights).

    Closed model: the largest stage. Open model: the dispatchers, whatever the rate.
    """
    if config.load_model == "open":
        return 2 * max(1, config.processes)
    return 2 * int(max(level for _, level in schedule(config)))


def stage_level(stage: Mapping[str, float], load_model: str) -> float:
    """A stage's users (closed) or requests/s (open), per target."""
    return float(stage.get("rate" if load_model == "open" else "users") or 0.0)


def schedule(config: RunConfig) -> list[Segment]:
    """Levels per target over the whole run (warm-up + measured), as (end, level) segments.

    Without stages: one segment at `users_per_target` (closed) or `arrival_rate` (open). With
    stages: the warm-up at the first stage's level, then the stages from the start of the
    measured window; held at the last level or cut so the schedule ends at warm-up + duration.
    """
    end = config.run_time
    if not config.stages:
        level = config.users_per_target if config.load_model == "closed" else (config.arrival_rate or 0.0)
        return [(end, float(level))]
    levels = [(float(st["duration"]), stage_level(st, config.load_model)) for st in config.stages]
    out: list[Segment] = []
    t = 0.0
    if config.warmup > 0:
        t = config.warmup
        out.append((t, levels[0][1]))
    for length, level in levels:
        if t >= end:
            break
        if length <= 0:
            continue
        t = min(t + length, end)
        out.append((t, level))
    if not out or out[-1][0] < end:
        out.append((end, levels[-1][1]))
    return out


def level_at(segments: Sequence[Segment], run_time: float) -> float | None:
    """The level at `run_time` seconds; None once the schedule is over."""
    for end, level in segments:
        if run_time < end:
            return level
    return None


def locust_stages(config: RunConfig) -> list[dict[str, float]]:
    """The schedule as `StagesShape.stages`: total users of both targets per stage, spawn rate.

    The closed model doubles the per-target users and spawn rate (equal class weights). Open-model
    dispatchers all start at once and run the whole time: their arrivals, not their number,
    follow the stages (`arrival_times`).
    """
    if config.load_model == "open":
        n = float(total_users(config))
        return [{"duration": config.run_time, "users": n, "spawn_rate": n}]
    out: list[dict[str, float]] = []
    start = 0.0
    for end, level in schedule(config):
        out.append({"duration": end - start, "users": 2.0 * level, "spawn_rate": 2.0 * config.spawn_rate})
        start = end
    return out


def stage_tick(stages: Sequence[Mapping[str, float]], run_time: float) -> tuple[int, float] | None:
    """(users, spawn rate/s) of the stage `run_time` falls in; None after the last stage.

    Each stage is held for its `duration` seconds (not cumulative end times); its `spawn_rate`
    defaults to its `users`, about one second to get there.
    """
    end = 0.0
    for st in stages:
        end += float(st["duration"])
        if run_time < end:
            users = int(st["users"])
            return users, float(st.get("spawn_rate") or max(1, users))
    return None


def users_at(config: RunConfig, run_time: float) -> tuple[int, float] | None:
    """(total users, spawn rate/s) for Locust's shape tick; None once the run is over."""
    return stage_tick(locust_stages(config), run_time)


def arrival_gaps(rate: float, kind: str, rng: random.Random) -> Iterator[float]:
    """Seconds between arrivals for one dispatcher: exponential (Poisson process) or constant."""
    if rate <= 0:
        raise ValueError("arrival rate must be positive")
    while True:
        yield rng.expovariate(rate) if kind == "poisson" else 1.0 / rate


def arrival_times(segments: Sequence[Segment], kind: str, rng: random.Random,
                  share: float = 1.0) -> Iterator[float]:
    """Arrival offsets (seconds since the dispatcher started) for a piecewise-constant rate.

    `share` of each segment's rate is this dispatcher's (1 / processes). By time rescaling, the
    next arrival comes where the cumulative rate has grown by one (constant) or by an Exp(1)
    draw (Poisson): exact within a stage and across a change of rate, and for one segment the
    same as gaps of 1/rate. Constant arrivals start at once; the iterator ends with the schedule.
    """
    gaps = arrival_gaps(1.0, kind, rng)
    # Λ: cumulative rate (expected arrivals) so far; arrivals sit at Λ = due, due grows by a gap.
    # Computing each time from Λ (not by adding gaps to t) keeps constant arrivals on exact times.
    due = 0.0 if kind == "constant" else next(gaps)
    mass, start = 0.0, 0.0
    for end, level in segments:
        rate = level * share
        top = mass + (end - start) * rate
        while rate > 0 and due < top:
            yield start + (due - mass) / rate
            due += next(gaps)
        mass, start = top, end


def dispatcher_segments(config: RunConfig) -> list[Segment]:
    """The open model's rate schedule per target; `arrival_times` takes 1/processes of it."""
    if not config.stages and config.arrival_rate is None:
        raise ValueError("open model needs arrival_rate or stages")
    return schedule(config)


def _describe_stages(config: RunConfig, unit: str) -> str:
    return " → ".join(f"{float(st['duration']):g}s@{stage_level(st, config.load_model):g}{unit}"
                      for st in config.stages)


def describe(config: RunConfig) -> str:
    """The `load_model` string of summary.json."""
    if config.load_model == "open":
        if config.stages:
            return f"open: {config.arrival} stages {_describe_stages(config, '/s')} per target"
        return f"open: {config.arrival} {config.arrival_rate:g}/s per target"
    if config.stages:
        return f"closed: stages {_describe_stages(config, ' users')} per target"
    return f"closed: {config.users_per_target} users per target"


def pick_target(spawned: dict[str, int], own: str, targets: list[str]) -> str:
    """The target a new user in this process loads: the one with fewer users here, ties → own.

    Locust hands users to workers round robin in class order, so with two classes and two
    workers each worker would get one target only; balancing per process keeps both targets
    in every process (same CPU, same drift) and the totals equal. Updates `spawned` (the users
    running here: the wrapper counts a stopped user out, so the next ramp-up refills its side).
    Used with several processes only: in one, the class is the target.
    """
    least = min(spawned.get(t, 0) for t in targets)
    choice = own if spawned.get(own, 0) == least else next(t for t in targets if spawned.get(t, 0) == least)
    spawned[choice] = spawned.get(choice, 0) + 1
    return choice
