"""The renderer never crashes on missing, broken or hostile input, and says what is missing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ai_deploy_ci.report.render import render_markdown
from tests.unit.report.checks import check_markdown, parse

DATA = Path(__file__).resolve().parents[2] / "data" / "results"


def copy_case(tmp_path: Path, case: str = "fail") -> Path:
    target = tmp_path / case
    shutil.copytree(DATA / case, target)
    return target


def test_empty_directory_renders_an_honest_report(tmp_path: Path) -> None:
    text = render_markdown(tmp_path)
    assert text.startswith("## ⚠️ No verdict")
    assert "stopped before the load test" in text
    check_markdown(text)


@pytest.mark.parametrize("missing", ["summary.json", "verdict.json", "rollout.json"])
def test_one_file_missing(tmp_path: Path, missing: str) -> None:
    d = copy_case(tmp_path)
    (d / missing).unlink()
    text = render_markdown(d)
    assert f"not written: `{missing}`" in text
    check_markdown(text)


def test_broken_json_is_reported_not_raised(tmp_path: Path) -> None:
    d = copy_case(tmp_path)
    (d / "verdict.json").write_text('{"verdict": "FAIL",\n oops', encoding="utf-8")
    text = render_markdown(d)
    assert "`verdict.json`: not valid JSON (line 2)" in text
    check_markdown(text)


def test_wrong_types_and_absent_fields(tmp_path: Path) -> None:
    d = copy_case(tmp_path)
    (d / "verdict.json").write_text(
        json.dumps(
            {
                "verdict": "FAIL",
                "checks": [
                    {
                        "metric": "p95",
                        "baseline": "fast",
                        "candidate": None,
                        "interval": [1, "x"],
                        "critical": "yes",
                    },
                    "not a check",
                    {"verdict": "FAIL"},
                ],
            }
        ),
        encoding="utf-8",
    )
    summary = json.loads((d / "summary.json").read_text())
    summary["targets"]["candidate"]["timeline"] = [
        {"t": 0},
        "junk",
        {"t": 10, "rps": 1, "p50": 1, "p95": 2, "p99": 3},
    ]
    summary["availability"] = {"requests": "many"}
    (d / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    check_markdown(render_markdown(d))


def test_hostile_strings_stay_inside_their_cells(tmp_path: Path) -> None:
    d = copy_case(tmp_path)
    verdict = json.loads((d / "verdict.json").read_text())
    verdict["checks"][0]["metric"] = "p95 | <script>alert(1)</script> `x`\nnext"
    verdict["checks"][0]["source"] = 'sum(rate(x{a="b|c"}[5m])) | ```'
    verdict["reason"] = "</details> ## not a heading [link](javascript:alert(1))"
    (d / "verdict.json").write_text(json.dumps(verdict), encoding="utf-8")
    text = render_markdown(d)
    check_markdown(text)
    assert "<script>" not in text
    rows = [t for t in parse(text) if t.type == "inline" and "alert(1)" in t.content]
    assert rows, "the hostile metric name is rendered as text"


def test_charts_can_be_disabled_by_the_spec(tmp_path: Path) -> None:
    from ai_deploy_ci.spec.model import ReportOptions

    class FakeSpec:  # only `.report` is read
        report = ReportOptions(charts=False, title="Sentiment model")

    text = render_markdown(DATA / "pass", spec=FakeSpec())  # type: ignore[arg-type]
    assert "```mermaid" not in text
    assert "Sentiment model" in text.splitlines()[0]


def test_multi_gate_run_shows_each_gate_and_the_deciding_one(tmp_path: Path) -> None:
    d = copy_case(tmp_path)
    for n, case in (("1", "pass"), ("2", "fail")):
        gate = d / "gates" / n
        gate.mkdir(parents=True)
        for name in ("summary.json", "verdict.json"):
            shutil.copy(DATA / case / name, gate / name)
    (d / "summary.json").unlink()
    (d / "verdict.json").unlink()
    (d / "gates" / "3").mkdir()  # an empty gate directory (crashed before writing) is ignored
    text = render_markdown(d)
    check_markdown(text)
    assert "### Analysis gates" in text
    assert "| 1 | ✅ PASS |" in text and "| 2 | ❌ FAIL |" in text
    assert "| p95 latency | 119\u00a0ms | 141\u00a0ms |" in text  # the metrics are the deciding gate's
