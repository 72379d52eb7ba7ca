from __future__ import annotations

import random
import statistics

import pytest

from ai_deploy_ci.load import progress, shapes
from ai_deploy_ci.load.config import RunConfig


def cfg(**kw: object) -> RunConfig:
    base: dict[str, object] = {"targets": {"baseline": "b", "candidate": "c"}, "user_ref": "m:C",
                               "samples_dir": "/x",
                               "users_per_target": 5, "spawn_rate": 2.0, "warmup": 5.0, "duration": 10.0}
    base.update(kw)
    return RunConfig(**base)  # type: ignore[arg-type]


def test_closed_shape_doubles_per_target_figures_and_stops() -> None:
    c = cfg()
    assert shapes.users_at(c, 0.0) == (10, 4.0)
    assert shapes.users_at(c, 14.9) == (10, 4.0)
    assert shapes.users_at(c, 15.0) is None  # warm-up + duration: the hard stop


def test_open_shape_one_dispatcher_per_target_and_process() -> None:
    c = cfg(load_model="open", arrival_rate=40.0, processes=2)
    assert shapes.users_at(c, 1.0) == (4, 4.0)
    assert shapes.dispatcher_segments(c) == [(15.0, 40.0)]  # one rate; each of 2 processes takes half
    assert shapes.describe(c) == "open: poisson 40/s per target"


def test_poisson_gaps_have_the_right_mean() -> None:
    gen = shapes.arrival_gaps(50.0, "poisson", random.Random(1))
    gaps = [next(gen) for _ in range(20000)]
    assert statistics.fmean(gaps) == pytest.approx(0.02, rel=0.03)
    assert statistics.pstdev(gaps) == pytest.approx(0.02, rel=0.05)  # exponential: sd = mean


def test_constant_gaps() -> None:
    gen = shapes.arrival_gaps(4.0, "constant", random.Random(1))
    assert [next(gen) for _ in range(3)] == [0.25, 0.25, 0.25]


def test_progress_line() -> None:
    line = progress.format_line(20.0, 40.0, 10.0, {"baseline": (1200, 12), "candidate": (1100, 0)}, 20, 35.0)
    assert line == ("[load]   20s/40s (measuring) users=20 | baseline 1200 req 1.0% err 60.0/s"
                    " | candidate 1100 req 0.0% err 55.0/s | cpu 35%")
    assert "(warm-up)" in progress.format_line(5.0, 40.0, 10.0, {}, 0, None)


def test_progress_sums_worker_reports() -> None:
    total = progress.sum_counts({"w1": {"baseline": (3, 1)}, "w2": {"baseline": (4, 0), "candidate": (2, 2)}})
    assert total == {"baseline": (7, 1), "candidate": (2, 2)}


@pytest.mark.parametrize(("classes", "expected"), [
    # Locust gave one worker only baseline-class users: the process still loads both
    (["baseline"] * 4, ["baseline", "candidate", "baseline", "candidate"]),
    (["candidate", "candidate", "baseline"], ["candidate", "baseline", "baseline"]),
    (["baseline", "candidate", "baseline", "candidate"], ["baseline", "candidate", "baseline", "candidate"]),
], ids=["one-class-per-worker", "odd", "already-balanced"])
def test_pick_target_balances_each_process(classes: list[str], expected: list[str]) -> None:
    spawned: dict[str, int] = {}
    got = [shapes.pick_target(spawned, own, ["baseline", "candidate"]) for own in classes]
    assert got == expected
