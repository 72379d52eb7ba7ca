from __future__ import annotations

import doctest

import pytest

from ai_deploy_ci.report import figures
from ai_deploy_ci.report.markdown import code, table
from tests.unit.report.checks import check_markdown


def test_doctests() -> None:
    assert doctest.testmod(figures).failed == 0


@pytest.mark.parametrize(
    ("x", "unit", "expected"),
    [
        (118.4, "ms", "118 ms"),
        (1520.0, "ms", "1,520 ms"),
        (15_200.0, "ms", "15.2 s"),
        (0.0, "ratio", "0 %"),
        (0.25, "ratio", "25 %"),
        (48.06, "req/s", "48.1 req/s"),
        (None, "ms", "—"),
    ],
)
def test_value(x: float | None, unit: str, expected: str) -> None:
    assert figures.value(x, unit) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0.4, "0.4 s"), (45, "45 s"), (90, "1 min 30 s"), (3725, "1 h 02 min"), (None, "—"), (-1, "—")],
)
def test_duration(seconds: float | None, expected: str) -> None:
    assert figures.duration(seconds) == expected


def test_interval_kinds() -> None:
    assert figures.interval([0.95, 1.03], "ratio", "ms") == "-5.0 % … +3.0 %"
    assert figures.interval([-2.0, 3.5], "difference", "ms") == "-2 … +3.5 ms"
    assert figures.interval([10, 20], "value", "GiB") == "10 GiB … 20 GiB"
    assert figures.interval(None, "ratio", "ms") == figures.interval([1], "ratio", "ms") == "—"


def test_code_in_a_table_keeps_its_pipe() -> None:
    text = table(["q"], [[code("a | b", in_table=True)]])
    check_markdown(text)
    assert "\\|" in text
