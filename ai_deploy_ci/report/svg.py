"""Draw our `xychart-beta` Mermaid blocks as inline SVG, so report.html shows its charts offline.

report.html is opened from a downloaded artifact, often with no network and no JavaScript
(`--mermaid-js` is optional); without this, its charts were Mermaid source printed as text.
Only the grammar `charts.xychart` writes is read (title, x-axis labels, y-axis range, lines,
the init line's palette); anything else returns None and the block stays as it was. Pure.
"""

from __future__ import annotations

import html
import re

W, H = 720, 340
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 40, 48
_TITLE = re.compile(r'^\s*title "((?:[^"\\]|\\.)*)"', re.M)
_X = re.compile(r'^\s*x-axis "((?:[^"\\]|\\.)*)" \[([^\]]*)\]', re.M)
_Y = re.compile(r'^\s*y-axis "((?:[^"\\]|\\.)*)" (-?[\d.]+) --> (-?[\d.]+)', re.M)
_LINE = re.compile(r"^\s*line \[([^\]]*)\]", re.M)
_PALETTE = re.compile(r'"plotColorPalette": "([^"]*)"')


def _floats(text: str) -> list[float]:
    return [float(v) for v in text.split(",") if v.strip()]


def xychart_svg(source: str) -> str | None:
    """An `<svg>` for one xychart-beta source, or None when it is not one of ours."""
    title, x, y = _TITLE.search(source), _X.search(source), _Y.search(source)
    lines = [_floats(m.group(1)) for m in _LINE.finditer(source)]
    if not (x and y and lines) or "xychart-beta" not in source:
        return None
    try:
        xs, lo, hi = _floats(x.group(2)), float(y.group(2)), float(y.group(3))
    except ValueError:
        return None
    if len(xs) < 2 or hi <= lo or any(len(values) != len(xs) for values in lines):
        return None
    found = _PALETTE.search(source)
    palette = [c.strip() for c in found.group(1).split(",")] if found else ["#0969da", "#cf222e"]
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def px(i: int) -> float:
        return LEFT + plot_w * i / (len(xs) - 1)

    def py(v: float) -> float:
        return TOP + plot_h * (1 - (min(max(v, lo), hi) - lo) / (hi - lo))

    esc = html.escape
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
           f'role="img" aria-label="{esc(title.group(1) if title else "chart")}" class="chart" '
           'font-family="-apple-system,Segoe UI,Helvetica,Arial,sans-serif" font-size="12">']
    if title:
        out.append(f'<text x="{W / 2:.0f}" y="22" text-anchor="middle" font-size="15" font-weight="600">'
                   f"{esc(title.group(1))}</text>")
    for k in range(5):  # y grid and labels
        v = lo + (hi - lo) * k / 4
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#d0d7de"/>'
                   f'<text x="{LEFT - 6}" y="{py(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
    step = max(1, len(xs) // 8)
    for i in range(0, len(xs), step):  # x labels
        out.append(f'<text x="{px(i):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{xs[i]:g}</text>')
    out.append(f'<text x="{LEFT + plot_w / 2:.0f}" y="{H - 8}" text-anchor="middle">{esc(x.group(1))}</text>')
    out.append(f'<text x="14" y="{TOP + plot_h / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {TOP + plot_h / 2:.0f})">{esc(y.group(1))}</text>')
    for n, values in enumerate(lines):
        points = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(values))
        colour = esc(palette[n % len(palette)])
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
    out.append("</svg>")
    return "".join(out)
