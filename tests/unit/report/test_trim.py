"""Trimming drops whole blocks, least important first, and never cuts a table."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ai_deploy_ci.report.inputs import load_results
from ai_deploy_ci.report.render import render_blocks
from ai_deploy_ci.report.trim import COMMENT_LIMIT, HARD_NOTE, TRIM_NOTE, Block, join, trim, utf8_bytes
from tests.unit.report.checks import check_markdown

DATA = Path(__file__).resolve().parents[2] / "data" / "results"

BLOCKS = [
    Block("## headline", name="headline"),
    Block("| a | b |\n| --- | --- |\n| 1 | 2 |", name="table"),
    Block("<details>\n<summary>x</summary>\n\n" + "y" * 500 + "\n\n</details>", drop_rank=2, name="big"),
    Block("<details>\n<summary>z</summary>\n\n" + "z" * 100 + "\n\n</details>", drop_rank=1, name="small"),
    Block("footer", name="footer"),
]


def test_fits_untouched() -> None:
    text, dropped = trim(BLOCKS, 10_000)
    assert text == join(BLOCKS) and dropped == []


def test_drops_highest_rank_first() -> None:
    text, dropped = trim(BLOCKS, 500)
    assert dropped == ["big"]
    assert "z" * 100 in text and TRIM_NOTE in text and len(text) <= 500


def test_then_essentials_from_the_end() -> None:
    text, dropped = trim(BLOCKS, 150)
    assert dropped[:2] == ["big", "small"] and HARD_NOTE in text
    assert len(text) <= 150


@settings(max_examples=60, deadline=None)
@given(limit=st.integers(min_value=0, max_value=1200), prefix=st.sampled_from(["", "<!-- m -->\n"]))
def test_kept_blocks_are_whole(limit: int, prefix: str) -> None:
    text, _ = trim(BLOCKS, limit, prefix=prefix)
    if limit >= 200:
        assert len(text) <= limit
    body = text[len(prefix) :]
    for b in BLOCKS:  # a block is either entirely present or absent
        lines = b.text.split("\n")
        key = lines[1] if lines[0] == "<details>" else lines[0]
        if key in body and b.name != "footer":
            assert b.text in body


def test_huge_report_fits_a_comment_with_tables_intact(tmp_path: Path) -> None:
    d = tmp_path / "big"
    shutil.copytree(DATA / "fail", d)
    verdict = json.loads((d / "verdict.json").read_text())
    verdict["checks"] = [dict(verdict["checks"][0], metric=f"metric {i} " + "x" * 40) for i in range(600)]
    (d / "verdict.json").write_text(json.dumps(verdict), encoding="utf-8")
    blocks = render_blocks(load_results(d))
    text, dropped = trim(blocks, COMMENT_LIMIT, prefix="<!-- ai-deploy-ci:staging -->\n")
    assert len(text) <= COMMENT_LIMIT
    assert dropped, "something had to go"
    check_markdown(text)
    full, _ = trim(blocks, 1_048_576, measure=utf8_bytes)
    assert "metric 599" in full
