from __future__ import annotations

from pathlib import Path

from ai_deploy_ci.report.html import render_page
from ai_deploy_ci.report.render import render_markdown

DATA = Path(__file__).resolve().parents[2] / "data" / "results"


def test_page_has_tables_details_alerts_and_mermaid() -> None:
    page = render_page(render_markdown(DATA / "inconclusive"), mermaid_js="mermaid.min.js")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<table>") == 5
    assert "<details>" in page and "<summary>" in page
    assert '<div class="alert alert-warning">' in page and "[!WARNING]" not in page
    assert page.count('<pre class="mermaid">') == 4
    assert '<script src="mermaid.min.js"></script>' in page


def test_page_without_script_still_shows_fallback_tables() -> None:
    page = render_page(render_markdown(DATA / "pass"))
    assert "<script" not in page and "Chart data as a table" in page
