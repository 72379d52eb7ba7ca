from __future__ import annotations

from pathlib import Path

import pytest

from ai_deploy_ci.report.html import render_page
from ai_deploy_ci.report.render import render_markdown

DATA = Path(__file__).resolve().parents[2] / "data" / "results"


def test_page_has_tables_details_alerts_and_mermaid() -> None:
    page = render_page(render_markdown(DATA / "inconclusive"), mermaid_js="mermaid.min.js")
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<table>") == 6
    assert "<details>" in page and "<summary>" in page
    assert '<div class="alert alert-warning">' in page and "[!WARNING]" not in page
    assert page.count('<pre class="mermaid">') == 4
    assert '<script src="mermaid.min.js"></script>' in page


def test_page_without_script_still_shows_fallback_tables() -> None:
    page = render_page(render_markdown(DATA / "pass"))
    assert "<script" not in page and "Chart data as a table" in page


def test_report_command_writes_markdown_and_html(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from ai_deploy_ci.commands import report

    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    md, page = tmp_path / "r.md", tmp_path / "r.html"
    args = parser.parse_args(
        [
            str(DATA / "fail"),
            "--markdown",
            str(md),
            "--html",
            str(page),
            "--mermaid-js",
            "mermaid.min.js",
            "--target",
            "prod",
        ]
    )
    assert report.run(args) == 0
    assert md.read_text().startswith("## ❌ Rolled back: sentiment `v2.4.0` → prod")
    assert '<script src="mermaid.min.js">' in page.read_text()


def test_report_command_refuses_a_missing_directory(tmp_path: Path) -> None:
    import argparse

    from ai_deploy_ci.commands import report
    from ai_deploy_ci.errors import InputError

    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    with pytest.raises(InputError):
        report.run(parser.parse_args([str(tmp_path / "nope")]))


def test_charts_are_inline_svg_without_javascript() -> None:
    """report.html opened offline from an artifact: the charts are drawn, not Mermaid source."""
    import xml.etree.ElementTree as ET

    from ai_deploy_ci.report.html import render_page
    from ai_deploy_ci.report.render import render_markdown

    page = render_page(render_markdown(Path(__file__).resolve().parents[2] / "data" / "results" / "fail"))
    assert "<script" not in page and "xychart-beta" not in page
    svgs = page.split("<svg")[1:]
    assert len(svgs) == 4
    first = ET.fromstring("<svg" + svgs[0].split("</svg>")[0] + "</svg>")
    lines = first.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 2 and {ln.get("stroke") for ln in lines} == {"#0969da", "#cf222e"}
    assert len(lines[0].get("points", "").split()) == 9  # one vertex per 10 s of the run
