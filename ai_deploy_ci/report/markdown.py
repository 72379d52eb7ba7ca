"""Markdown building blocks that stay well-formed whatever the data contains.

Metric names, reasons and URLs come from users and producers; one stray `|` breaks a
GitHub table and one `<script>` is at best stripped, so every piece of data goes through
`text()` or `cell()` before it reaches the document.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Literal

Align = Literal["left", "right", "center"]

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def text(value: object) -> str:
    """Inline text: HTML-escaped, Markdown punctuation backslash-escaped, one line."""
    s = html.escape(str(value), quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return " ".join(s.split())


def code(value: object, *, in_table: bool = False) -> str:
    """Inline code that survives backticks (and pipes, inside a table).

    GitHub ends a table cell at an unescaped `|` even inside a code span, so there pipes
    become `\\|` (which GFM table parsing unescapes); the fence grows past any backtick run.
    """
    s = " ".join(str(value).split())
    longest = max((len(m) for m in re.findall(r"`+", s)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if s.startswith("`") or s.endswith("`") else ""
    if in_table:
        s = s.replace("|", "\\|")
    return f"{fence}{pad}{s}{pad}{fence}"


def link(label: str, url: str | None) -> str:
    """`[label](url)` for http(s) URLs; just the label otherwise (no javascript: links)."""
    if not url or not re.match(r"^https?://", url):
        return label
    safe = url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C")
    return f"[{label}]({safe})"


def cell(value: object) -> str:
    """A table cell: like `text()`; empty values become an em dash so columns stay aligned."""
    if value is None or value == "":
        return "—"
    return text(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], align: Sequence[Align] | None = None) -> str:
    """A GFM pipe table. Cells must already be escaped (`cell`, `code`, `link`).

    Rows are padded or cut to the header width so a malformed producer row cannot shift
    columns.
    """
    width = len(headers)
    marks = {"left": ":---", "right": "---:", "center": ":---:"}
    sep = [marks[a] for a in (align or ["left"] * width)]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(sep) + " |"]
    for row in rows:
        cells = [*list(row)[:width], *["—"] * (width - len(row))]
        lines.append("| " + " | ".join(c.replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines)


def details(summary: str, body: str, *, open: bool = False) -> str:
    """A collapsed section. Blank lines around the body let GitHub render Markdown inside."""
    tag = "<details open>" if open else "<details>"
    return f"{tag}\n<summary>{summary}</summary>\n\n{body.strip()}\n\n</details>"


def fenced(lang: str, body: str) -> str:
    """A fenced code block whose fence is longer than any backtick run in the body."""
    longest = max((len(m) for m in re.findall(r"`{3,}", body)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{lang}\n{body.rstrip()}\n{fence}"


def bullets(items: Sequence[str], *, numbered: bool = False) -> str:
    return "\n".join(f"{i}. {item}" if numbered else f"- {item}" for i, item in enumerate(items, 1))
