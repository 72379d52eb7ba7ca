"""Structural checks of rendered Markdown, shared by the report tests.

`check_markdown` parses with markdown-it-py (CommonMark + GFM tables, raw HTML on, as
GitHub renders comments) and fails on anything that would render broken: a pipe-table in
the source that did not become a table, a row with the wrong number of cells, unbalanced
`<details>`, an unclosed fence. `check_mermaid` runs the real Mermaid parser under Node.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

ROOT = Path(__file__).resolve().parents[3]
MERMAID_CHECK = ROOT / "tools" / "mermaid-check.mjs"
FENCE = re.compile(r"^(`{3,})mermaid[ \t]*\n(.*?)\n\1[ \t]*$", re.S | re.M)


def parse(markdown: str) -> list[Token]:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).parse(markdown)


def _source_tables(markdown: str) -> list[tuple[int, int]]:
    """(first, last) line index of each run of lines starting with `|` outside fences."""
    runs, start, in_fence = [], None, False
    lines = markdown.split("\n")
    for i, line in enumerate([*lines, ""]):
        if line.startswith("```"):
            in_fence = not in_fence
        is_row = line.startswith("|") and not in_fence
        if is_row and start is None:
            start = i
        if not is_row and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def check_markdown(markdown: str) -> dict[str, int]:
    """Assert the document renders without broken structure; return a few counts."""
    tokens = parse(markdown)
    tables = [t for t in tokens if t.type == "table_open"]
    sources = _source_tables(markdown)
    assert len(tables) == len(sources), f"{len(sources)} pipe tables in the source, {len(tables)} parsed"
    for table, (first, last) in zip(tables, sources, strict=True):
        assert table.map == [first, last + 1], f"table at line {first + 1} parsed as {table.map}"
    # every row has as many cells as the header
    width, row = None, 0
    for t in tokens:
        if t.type == "tr_open":
            row = 0
        elif t.type in ("th_open", "td_open"):
            row += 1
        elif t.type == "tr_close":
            width = row if width is None else width
            assert row == width, f"a table row has {row} cells, the header {width}"
        elif t.type == "table_close":
            width = None
    depth = 0
    html = "".join(t.content for t in tokens if t.type in ("html_block", "html_inline"))
    for tag in re.findall(r"</?details\b", html):
        depth += -1 if tag.startswith("</") else 1
        assert depth >= 0, "</details> before <details>"
    assert depth == 0, "unclosed <details>"
    assert html.count("<summary>") == html.count("</summary>") == html.count("<details")
    fences = [t for t in tokens if t.type == "fence"]
    assert len([f for f in fences if f.info == "mermaid"]) == len(FENCE.findall(markdown))
    assert "<script" not in html.lower()
    return {"tables": len(tables), "details": html.count("<details"), "mermaid": len(FENCE.findall(markdown))}


def mermaid_blocks(markdown: str) -> list[str]:
    return [m.group(2) for m in FENCE.finditer(markdown)]


def check_xychart_shape(block: str) -> None:
    """What the parser accepts but a chart needs: every line as long as the x-axis."""
    xs = re.search(r"x-axis .*\[(.*)\]", block)
    assert xs, "xychart without categorical x-axis"
    n = len(xs.group(1).split(","))
    for series in re.findall(r"^\s*line \[(.*)\]\s*$", block, re.M):
        assert len(series.split(",")) == n, "a line has a different length than the x-axis"


def check_mermaid(blocks: list[str]) -> list[dict[str, object]]:
    """Parse with mermaid's own parser (Node); skip when Node or tools/node_modules is absent."""
    node = shutil.which("node")
    if node is None or not (ROOT / "tools" / "node_modules" / "mermaid").is_dir():
        pytest.skip("node or tools/node_modules/mermaid missing (make node-tools)")
    proc = subprocess.run(
        [node, str(MERMAID_CHECK)],
        input=json.dumps(blocks),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    results: list[dict[str, object]] = json.loads(proc.stdout)
    bad = [(b, r["error"]) for b, r in zip(blocks, results, strict=True) if not r["ok"]]
    assert not bad, f"Mermaid rejected: {bad}"
    return results
