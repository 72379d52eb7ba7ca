"""Golden rendering of the three sample results, checked for structure and real Mermaid.

Regenerate after an intended change with:
    AI_DEPLOY_CI_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/report/test_golden.py
and review the diff of tests/data/report-golden/*.md like any code change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ai_deploy_ci.report.inputs import RenderContext
from ai_deploy_ci.report.render import render_markdown
from tests.unit.report.checks import check_markdown, check_mermaid, check_xychart_shape, mermaid_blocks

DATA = Path(__file__).resolve().parents[2] / "data"
GOLDEN = DATA / "report-golden"
CONTEXT = RenderContext(
    run_url="https://github.com/acme/models/actions/runs/987654321",
    repository="acme/models",
    target="staging",
)
CASES = {
    "pass": "## ✅ Promoted:",
    "fail": "## ❌ Rolled back:",
    "inconclusive": "## ⚠️ Inconclusive — rolled back:",
}


def rendered(case: str) -> str:
    return render_markdown(DATA / "results" / case, context=CONTEXT)


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_golden(case: str) -> None:
    text = rendered(case)
    path = GOLDEN / f"{case}.md"
    if os.environ.get("AI_DEPLOY_CI_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file: run with AI_DEPLOY_CI_UPDATE_GOLDEN=1 to create {path}"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_headline_and_structure(case: str) -> None:
    text = rendered(case)
    assert text.startswith(CASES[case])
    counts = check_markdown(text)
    # status card, metrics, strategy progress, chart data, test details, load details
    assert counts["tables"] == 6
    card = text.split("\n\n")[1]
    assert card.startswith("| Verdict | Decided by | Availability | Run |"), card  # right under the heading
    assert counts["mermaid"] == 4
    assert "### Metrics" in text and "### Strategy progress" in text


def test_fail_report_explains_the_rollback() -> None:
    text = rendered("fail")
    assert "### Rollback" in text
    assert "VirtualService ml/sentiment: weights stable=100, canary=0" in text
    assert "3 of 1,204 probe requests failed" in text and "longest failure streak: 2 requests" in text
    nb = "\u00a0"  # number and unit never wrap apart (GitHub's ≈ 780 px comment column)
    assert f"| p95 latency | 119{nb}ms | 141{nb}ms | +18.4{nb}% | +12.1{nb}% … +24.9{nb}% |" in text
    assert "[workflow run](https://github.com/acme/models/actions/runs/987654321)" in text


def test_inconclusive_report_flags_the_saturated_generator() -> None:
    text = rendered("inconclusive")
    assert "> [!WARNING]" in text and "saturated" in text
    assert "_No availability probe ran._" in text


def test_mermaid_blocks_parse_with_the_real_parser() -> None:
    blocks = [b for case in sorted(CASES) for b in mermaid_blocks(rendered(case))]
    assert len(blocks) == 12
    for block in blocks:
        check_xychart_shape(block)
    results = check_mermaid(blocks)
    assert {r["type"] for r in results} == {"xychart"}


def test_the_mermaid_check_can_fail() -> None:
    """The parser really rejects a broken chart (guards against a check that passes anything)."""
    broken = "xychart-beta\n  x-axis [0, 10]\n  line [1, oops]"
    with pytest.raises(AssertionError, match="Mermaid rejected"):
        check_mermaid([broken])
