"""load.stages as pure arithmetic: the shape's tick table, the open model's arrivals, the config."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ai_deploy_ci.load import locustfile_gen, shapes
from ai_deploy_ci.load.config import RunConfig
from ai_deploy_ci.spec.model import Load, LoadStage

THREE = [{"duration": 2.0, "rate": 5.0}, {"duration": 2.0, "rate": 20.0}, {"duration": 2.0, "rate": 5.0}]


def cfg(**kw: object) -> RunConfig:
    base: dict[str, object] = {
        "targets": {"baseline": "b", "candidate": "c"},
        "user_ref": "m:C",
        "samples_dir": "/x",
        "spawn_rate": 5.0,
        "warmup": 2.0,
        "duration": 9.0,
        "stages": [
            {"duration": 3.0, "users": 2.0},
            {"duration": 4.0, "users": 6.0},
            {"duration": 2.0, "users": 1.0},
        ],
    }
    base.update(kw)
    return RunConfig(**base)  # type: ignore[arg-type]


def table(config: RunConfig) -> list[tuple[int, float] | None]:
    """What Locust's shape tick returns at each whole second (and just before the end)."""
    return [shapes.users_at(config, float(t)) for t in range(int(config.run_time) + 1)]


def test_closed_tick_table_warmup_at_first_stage_then_each_stage_both_targets() -> None:
    c = cfg()
    # users per target → total of both targets; spawn rate per target → doubled
    assert table(c) == [
        (4, 10.0),
        (4, 10.0),  # warm-up 0–2 s at the first stage's level
        (4, 10.0),
        (4, 10.0),
        (4, 10.0),  # stage 1: 2 users per target, 2–5 s
        (12, 10.0),
        (12, 10.0),
        (12, 10.0),
        (12, 10.0),  # stage 2: 6 per target, 5–9 s
        (2, 10.0),
        (2, 10.0),  # stage 3: 1 per target, 9–11 s
        None,  # warm-up + sum of stages: the hard stop
    ]
    assert shapes.users_at(c, 10.999) == (2, 10.0)
    assert shapes.total_users(c) == 12
    assert shapes.describe(c) == "closed: stages 3s@2 users → 4s@6 users → 2s@1 users per target"


def test_open_tick_keeps_dispatchers_while_the_rate_follows_the_stages() -> None:
    c = cfg(load_model="open", arrival="constant", warmup=0.0, duration=6.0, stages=THREE, processes=2)
    assert table(c) == [(4, 4.0)] * 6 + [None]
    assert shapes.dispatcher_segments(c) == [(2.0, 5.0), (4.0, 20.0), (6.0, 5.0)]
    assert shapes.describe(c) == "open: constant stages 2s@5/s → 2s@20/s → 2s@5/s per target"


def test_a_longer_measured_duration_holds_the_last_stage_a_shorter_cuts() -> None:
    held = cfg(load_model="open", warmup=1.0, duration=10.0, stages=THREE)
    assert shapes.schedule(held) == [(1.0, 5.0), (3.0, 5.0), (5.0, 20.0), (7.0, 5.0), (11.0, 5.0)]
    cut = cfg(load_model="open", warmup=1.0, duration=3.0, stages=THREE)
    assert shapes.schedule(cut) == [(1.0, 5.0), (3.0, 5.0), (4.0, 20.0)]
    assert shapes.users_at(cut, 4.0) is None


def test_zero_length_stage_is_skipped_and_no_stages_is_one_level() -> None:
    c = cfg(
        warmup=0.0, duration=3.0, stages=[{"duration": 0.0, "users": 9.0}, {"duration": 3.0, "users": 2.0}]
    )
    assert shapes.schedule(c) == [(3.0, 2.0)]
    assert shapes.schedule(cfg(stages=[], users_per_target=7)) == [(11.0, 7.0)]


def test_stage_tick_of_the_locust_shape_uses_per_stage_durations() -> None:
    stages = [
        {"duration": 10, "users": 4, "spawn_rate": 2},
        {"duration": 5, "users": 0},
        {"duration": 5, "users": 8},
    ]
    got = {t: shapes.stage_tick(stages, t) for t in (0.0, 9.99, 10.0, 14.9, 15.0, 19.9, 20.0)}
    assert got == {
        0.0: (4, 2.0),
        9.99: (4, 2.0),
        10.0: (0, 1.0),
        14.9: (0, 1.0),
        15.0: (8, 8.0),
        19.9: (8, 8.0),
        20.0: None,
    }


def per_second(times: list[float], end: float) -> list[int]:
    return [sum(1 for x in times if s <= x < s + 1) for s in range(int(end))]


def test_constant_arrivals_follow_each_stage_exactly() -> None:
    times = list(shapes.arrival_times([(2.0, 5.0), (4.0, 20.0), (6.0, 5.0)], "constant", random.Random(0)))
    assert per_second(times, 6.0) == [5, 5, 20, 20, 5, 5]
    assert times[0] == 0.0 and times[-1] < 6.0
    # one of two processes: half the rate each
    half = list(shapes.arrival_times([(2.0, 10.0)], "constant", random.Random(0), 0.5))
    assert half == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8])


def test_poisson_arrivals_have_each_stage_rate_and_a_zero_rate_pauses() -> None:
    segments = [(100.0, 5.0), (200.0, 20.0), (250.0, 0.0), (350.0, 5.0)]
    times = list(shapes.arrival_times(segments, "poisson", random.Random(3)))
    counts = [sum(1 for x in times if a <= x < b) for a, b in ((0, 100), (100, 200), (200, 250), (250, 350))]
    assert counts[0] == pytest.approx(500, rel=0.15) and counts[3] == pytest.approx(500, rel=0.15)
    assert counts[1] == pytest.approx(2000, rel=0.08)
    assert counts[2] == 0


def test_make_config_carries_stages_and_their_sum_as_the_measured_duration(tmp_path: Path) -> None:
    load = Load(
        model="open",
        arrival="constant",
        warmup=0.0,
        stages=(LoadStage(2.0, rate=5.0), LoadStage(2.0, rate=20.0), LoadStage(2.0, rate=5.0)),
    )
    kw: dict[str, object] = {
        "protocol": "json",
        "model_name": "m",
        "targets": {"baseline": "b", "candidate": "c"},
        "samples_dir": tmp_path,
        "payloads": [],
        "base_dir": tmp_path,
    }
    config = locustfile_gen.make_config(load, **kw)  # type: ignore[arg-type]
    assert config.stages == THREE and config.duration == 6.0 and config.arrival_rate is None
    assert RunConfig.from_json(config.to_json()) == config
    assert locustfile_gen.make_config(load, duration=10.0, **kw).duration == 10.0  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="needs a rate"):
        locustfile_gen.make_config(Load(model="open", stages=(LoadStage(1.0, users=3),)), **kw)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"arrivalRate or load\.stages"):
        locustfile_gen.make_config(Load(model="open"), **kw)  # type: ignore[arg-type]
