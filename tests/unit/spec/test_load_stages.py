"""load.stages in deploy.yaml: conversion, and located errors for stages that cannot run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_deploy_ci.spec.load import load_spec, validate_text
from ai_deploy_ci.spec.model import LoadStage
from tests.unit.spec.documents import edit

LOAD = "  users: 10\n  duration: 2m\n"  # lines 28-29 of BASE


def stages(body: str) -> str:
    return edit((LOAD, body))


def test_open_stages_convert_and_their_sum_is_the_duration(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(
        stages(
            "  model: open\n  stages:\n    - {duration: 30s, rate: 5}\n"
            "    - {duration: 1m, rate: 20}\n    - {duration: 30, rate: 5}\n"
        ),
        encoding="utf-8",
    )
    load = load_spec(path).load
    assert load.stages == (LoadStage(30.0, rate=5.0), LoadStage(60.0, rate=20.0), LoadStage(30.0, rate=5.0))
    assert load.duration == 120.0 and load.arrival_rate is None


def test_closed_stages_convert(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(
        stages("  stages:\n    - {duration: 1m, users: 4}\n    - {duration: 2m, users: 16}\n"),
        encoding="utf-8",
    )
    load = load_spec(path).load
    assert load.stages == (LoadStage(60.0, users=4), LoadStage(120.0, users=16)) and load.duration == 180.0


@pytest.mark.parametrize(
    ("body", "line", "col", "message"),
    [
        (
            "  model: open\n  stages:\n    - {duration: 2s, rate: 5}\n    - {duration: 2s, users: 20}\n",
            31,
            22,
            "a stage of the open model sets rate (requests/s per target), not users",
        ),
        (
            "  stages:\n    - {duration: 30s, rate: 5}\n",
            29,
            23,
            "a stage of the closed model sets users per target; rate is for model: open",
        ),
        ("  stages:\n    - {duration: 30s}\n", 29, 7, "set exactly one of users or rate (neither given)"),
        ("  stages:\n    - {duration: 30x, users: 5}\n", 29, 18, "'30x' is not valid here"),
        ("  stages:\n    - {duration: 1s2m, users: 5}\n", 29, 18, "units in '1s2m' must go from hours"),
        ("  stages:\n    - {duration: 1s, users: 5, spawnRate: 2}\n", 29, 32, "unknown key 'spawnRate'"),
        ("  model: open\n  stages:\n    - {duration: 1s, rate: -1}\n", 30, 28, "must be at least 0"),
        ("  stages: []\n", 28, 11, "needs at least 1 item(s)"),
        (
            "  users: 3\n  stages:\n    - {duration: 1s, users: 5}\n",
            28,
            3,
            "users is set by each stage when stages are given",
        ),
        (
            "  duration: 2m\n  stages:\n    - {duration: 1s, users: 5}\n",
            28,
            3,
            "duration is the sum of the stages' durations",
        ),
        (
            "  model: open\n  arrivalRate: 4\n  stages:\n    - {duration: 1s, rate: 5}\n",
            29,
            3,
            "arrivalRate is set by each stage",
        ),
    ],
    ids=[
        "open-users",
        "closed-rate",
        "no-level",
        "bad-duration",
        "duration-order",
        "unknown-key",
        "negative-rate",
        "empty",
        "with-users",
        "with-duration",
        "with-arrival-rate",
    ],
)
def test_bad_stages_are_located(body: str, line: int, col: int, message: str) -> None:
    problems = [p for p in validate_text(stages(body), "deploy.yaml", Path(".")) if p.severity == "error"]
    assert problems, body
    first = problems[0]
    assert (first.line, first.col) == (line, col) and message in first.message, problems


def test_open_model_with_stages_needs_no_arrival_rate() -> None:
    text = stages("  model: open\n  stages:\n    - {duration: 1s, rate: 5}\n")
    assert validate_text(text, "deploy.yaml", Path(".")) == []


def test_the_llm_example_ramps_in_open_stages_with_a_ttft_goodput_slo() -> None:
    from ai_deploy_ci.load.summary import goodput_slos

    root = Path(__file__).resolve().parents[3]
    spec = load_spec(root / "examples" / "openai-streaming-canary.yaml")
    assert spec.load.model == "open" and [s.rate for s in spec.load.stages] == [2.0, 6.0, 2.0]
    assert spec.load.duration == 300.0  # as each analysis gate
    assert goodput_slos(spec.analysis.metrics) == {"ttft_ms": 500.0}
