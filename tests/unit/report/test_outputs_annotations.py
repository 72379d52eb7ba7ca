from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ai_deploy_ci.report.github.annotations import metric_annotations
from ai_deploy_ci.report.github.outputs import format_output, write_outputs
from ai_deploy_ci.report.github.summary import append_summary
from ai_deploy_ci.report.trim import Block


def test_single_line_output() -> None:
    assert format_output("verdict", "FAIL") == "verdict=FAIL\n"


def test_multiline_output_uses_a_delimiter_absent_from_the_value() -> None:
    tokens: Iterator[str] = iter(["aaaa", "bbbb"])
    value = "p95 latency\nghadelimiter_aaaa\nerror rate"  # collides with the first candidate
    text = format_output("failed", value, token=lambda: next(tokens))
    assert text == f"failed<<ghadelimiter_bbbb\n{value}\nghadelimiter_bbbb\n"


def test_invalid_name_is_refused() -> None:
    with pytest.raises(ValueError):
        format_output("bad name\nx=1", "v")


def test_write_outputs_parses_back(tmp_path: Path) -> None:
    path = tmp_path / "out"
    write_outputs(path, {"a": "1", "b": "x\ny"})
    lines = path.read_text().splitlines()
    assert lines[0] == "a=1" and lines[1].startswith("b<<ghadelimiter_") and lines[2:4] == ["x", "y"]
    assert lines[4] == lines[1].split("<<")[1]


def _check(i: int, verdict: str = "FAIL") -> dict[str, object]:
    return {"metric": f"m{i}", "verdict": verdict, "reason": f"m{i}: 50 % worse, a:b,c", "line": 10 + i}


def test_annotations_point_at_the_metric_line() -> None:
    lines = metric_annotations(
        {"checks": [_check(1), _check(2, "PASS"), _check(3, "INCONCLUSIVE")]}, "ml/deploy.yaml"
    )
    assert lines == [
        "::error file=ml/deploy.yaml,line=11,title=m1%3A regression::m1: 50 %25 worse, a:b,c",
        "::warning file=ml/deploy.yaml,line=13,title=m3%3A inconclusive::m3: 50 %25 worse, a:b,c",
    ]


def test_at_most_ten_errors_the_rest_summarised() -> None:
    lines = metric_annotations({"checks": [_check(i) for i in range(14)]})
    errors = [line for line in lines if line.startswith("::error")]
    assert len(errors) == 10
    assert "5 more failing metrics" in errors[-1]


def test_missing_verdict_gives_no_annotations() -> None:
    assert metric_annotations(None) == []


def test_summary_respects_what_the_step_already_wrote(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("x" * 900, encoding="utf-8")
    blocks = [Block("## head"), Block("d" * 200, drop_rank=1, name="details")]
    written = append_summary(path, blocks, limit=1000)
    assert "d" * 200 not in written
    assert path.stat().st_size <= 1000
