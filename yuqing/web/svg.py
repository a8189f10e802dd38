"""Charts drawn on the server as SVG: nothing loaded from the internet, nothing run in the browser.

Every label is escaped (topics, sources and titles may come from crawled text).
Colours follow the level badges; sizes are in the SVG's own units and the
chart scales to its container (``width="100%"``), so it fits a phone too.
"""
from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

#: the level colours of the badges (特别重大 … 影响较小)
LEVEL_COLOURS = {4: "#b42318", 3: "#d9480f", 2: "#b08800", 1: "#6e7781", 0: "#adb5bd"}
BAR = "#0b5cad"


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(body) + "</svg>")


def stacked_columns(days: Sequence[str], series: Sequence[tuple[str, str, Sequence[int]]], title: str,
                    width: int = 640, height: int = 220) -> Markup:
    """Columns per day, stacked by series (name, colour, counts per day), with a legend and the day labels."""
    left, bottom, top = 34, 34, 26
    plot_w, plot_h = width - left - 8, height - bottom - top
    totals = [sum(s[2][i] for s in series) for i in range(len(days))]
    peak = max(totals + [1])
    col = plot_w / max(len(days), 1)
    body = [f'<text x="{left}" y="14" font-size="12" fill="#333">{escape(title)}</text>']
    for frac in (0.5, 1.0):  # grid lines with their values
        y = top + plot_h * (1 - frac)
        body.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        body.append(f'<text x="{left - 4}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="#666">'
                    f'{round(peak * frac)}</text>')
    for i, day in enumerate(days):
        y = top + plot_h
        for name, colour, counts in series:
            n = counts[i]
            if not n:
                continue
            h = plot_h * n / peak
            y -= h
            body.append(f'<rect x="{left + i * col + col * 0.15:.1f}" y="{y:.1f}" width="{col * 0.7:.1f}" '
                        f'height="{h:.1f}" fill="{colour}"><title>{escape(day)} {escape(name)} {n}</title></rect>')
        if len(days) <= 16 or i % 2 == 0:
            body.append(f'<text x="{left + i * col + col / 2:.1f}" y="{height - bottom + 14}" font-size="10" '
                        f'text-anchor="middle" fill="#666">{escape(day)}</text>')
    x = left
    for name, colour, _ in series:  # legend
        body.append(f'<rect x="{x}" y="{height - 12}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{x + 14}" y="{height - 3}" font-size="11" fill="#333">{escape(name)}</text>')
        x += 16 + 13 * len(name) + 10
    return _svg(width, height, body, title)


def bars(items: Sequence[tuple[str, int]], title: str, width: int = 640, colour: str = BAR) -> Markup:
    """Horizontal bars, largest first as given, the count at each bar's end."""
    row, label_w, top = 22, 150, 24
    height = top + row * max(len(items), 1) + 6
    peak = max([n for _, n in items] + [1])
    plot_w = width - label_w - 50
    body = [f'<text x="0" y="14" font-size="12" fill="#333">{escape(title)}</text>']
    if not items:
        body.append(f'<text x="0" y="{top + 14}" font-size="11" fill="#666">暂无数据</text>')
    for i, (name, n) in enumerate(items):
        y = top + i * row
        w = plot_w * n / peak
        label = name if len(name) <= 11 else name[:10] + "…"
        body.append(f'<text x="{label_w - 6}" y="{y + 14}" font-size="11" text-anchor="end" fill="#333">'
                    f'{escape(label)}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row - 8}" fill="{colour}">'
                    f'<title>{escape(name)} {n}</title></rect>')
        body.append(f'<text x="{label_w + w + 4:.1f}" y="{y + 14}" font-size="11" fill="#333">{n}</text>')
    return _svg(width, height, body, title)
