"""A standalone HTML page of the report, for the artifact, the demo and the screenshot.

GitHub's renderer is not available offline, so this approximates it: CommonMark plus GFM
tables via markdown-it-py, raw HTML allowed (the report uses `<details>`), alerts
(`> [!WARNING]`) styled as GitHub does, and our Mermaid charts drawn as inline SVG (no
JavaScript: the page works offline, as a downloaded artifact); with a mermaid.js URL they are
left as `<pre class="mermaid">` for it to draw.
"""

from __future__ import annotations

import html
import re
from typing import Any

from markdown_it import MarkdownIt

from ai_deploy_ci.report.svg import xychart_svg

CSS = """
body { margin: 0; background: #fff; color: #1f2328; font: 14px/1.5 -apple-system, BlinkMacSystemFont,
  "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
.comment { max-width: 880px; margin: 16px auto; border: 1px solid #d1d9e0; border-radius: 6px; }
.comment-header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; padding: 8px 16px;
  border-radius: 6px 6px 0 0; color: #59636e; }
.comment-header b { color: #1f2328; }
.markdown-body { padding: 16px; }
.markdown-body h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0;
  padding-bottom: .3em; margin: 0 0 16px; }
.markdown-body h3 { font-size: 1.25em; margin: 24px 0 16px; }
.markdown-body p, .markdown-body ul, .markdown-body ol, .markdown-body table { margin: 0 0 16px; }
.markdown-body code { background: #eff1f3; border-radius: 6px; padding: .2em .4em; font-size: 85%;
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.markdown-body table { border-collapse: collapse; display: block; overflow: auto; }
.markdown-body th, .markdown-body td { border: 1px solid #d1d9e0; padding: 6px 13px; }
.markdown-body th { font-weight: 600; background: #f6f8fa; }
.markdown-body tr:nth-child(2n) td { background: #f6f8fa; }
.markdown-body details { margin: 0 0 16px; }
.markdown-body summary { cursor: pointer; font-weight: 600; margin-bottom: 8px; }
.markdown-body a { color: #0969da; text-decoration: none; }
.markdown-body sub { color: #59636e; }
.markdown-body pre.mermaid { background: #fff; text-align: center; margin: 0 0 8px; }
.markdown-body pre.code { background: #f6f8fa; padding: 16px; border-radius: 6px; overflow: auto; }
.alert { border-left: .25em solid #d1d9e0; padding: 8px 16px; margin: 0 0 16px; }
.alert > p:last-child, .alert > ul:last-child { margin-bottom: 0; }
.alert-title { font-weight: 600; margin-bottom: 4px; }
.alert-note { border-color: #0969da; } .alert-note .alert-title { color: #0969da; }
.alert-warning { border-color: #9a6700; } .alert-warning .alert-title { color: #9a6700; }
.alert-caution { border-color: #d1242f; } .alert-caution .alert-title { color: #d1242f; }
"""

_ALERT = re.compile(r"<blockquote>\s*<p>\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*", re.S)


def _parser(svg: bool = True) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    default_fence = md.renderer.rules["fence"]  # type: ignore[attr-defined]

    def fence(renderer: Any, tokens: Any, idx: int, options: Any, env: Any) -> str:
        token = tokens[idx]
        if token.info.strip() == "mermaid":
            drawn = xychart_svg(token.content) if svg else None  # no JavaScript needed to see it
            if drawn:
                return f'<figure class="chart">{drawn}</figure>\n'
            return f'<pre class="mermaid">{html.escape(token.content)}</pre>\n'
        return str(default_fence(tokens, idx, options, env))

    md.add_render_rule("fence", fence)
    return md


def _alerts(body: str) -> str:
    """`<blockquote><p>[!WARNING] …` → a div styled like GitHub's alert."""
    out, pos = [], 0
    for m in _ALERT.finditer(body):
        end = body.find("</blockquote>", m.end())
        if end < 0:
            break
        kind = m.group(1).lower()
        inner = "<p>" + body[m.end() : end]
        inner = inner.replace("<p></p>", "")
        out.append(body[pos : m.start()])
        out.append(
            f'<div class="alert alert-{kind}"><div class="alert-title">{kind.capitalize()}</div>{inner}</div>'
        )
        pos = end + len("</blockquote>")
    out.append(body[pos:])
    return "".join(out)


def markdown_to_html(markdown: str, *, svg: bool = True) -> str:
    """The body HTML (no page around it); our charts as inline SVG unless `svg` is False."""
    return _alerts(_parser(svg).render(markdown))


def render_page(
    markdown: str,
    *,
    title: str = "ai-deploy-ci report",
    mermaid_js: str | None = None,
    author: str = "github-actions[bot]",
) -> str:
    """A complete HTML document framed like a PR comment; Mermaid drawn if `mermaid_js` is given."""
    script = ""
    if mermaid_js:
        script = (
            f'<script src="{html.escape(mermaid_js)}"></script>\n'
            "<script>mermaid.initialize({startOnLoad: false, theme: 'default'});\n"
            "mermaid.run({querySelector: 'pre.mermaid'}).finally(() => {\n"
            "  document.body.dataset.rendered = '1';\n"
            "  document.body.dataset.height = String(document.documentElement.scrollHeight);\n"
            "});"
            "</script>"
        )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>\n"
        f'<div class="comment"><div class="comment-header"><b>{html.escape(author)}</b> commented</div>'
        '<div class="markdown-body">\n' + markdown_to_html(markdown, svg=not mermaid_js)
        + f"</div></div>\n{script}\n</body></html>\n"
    )
