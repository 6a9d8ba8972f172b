"""Server-rendered SVG charts: no script, no inline style (CSP-friendly), each
with <title>/<desc> for screen readers; the page puts the same numbers in a
table next to it. Markup is built with Jinja2's autoescaping Markup helpers,
so labels can never inject markup."""
from __future__ import annotations

from typing import List, Mapping, Sequence, Tuple

from markupsafe import Markup, escape

PALETTE = ("c1", "c2", "c3", "c4", "c5", "c6")  # colours are classes in staff.css


def _nice_max(value: float) -> int:
    if value <= 5:
        return 5
    for step in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return step
    return int(value) + 1


def stacked_bars(chart_id: str, title: str, desc: str, labels: Sequence[str],
                 series: Mapping[str, Sequence[float]], label_every: int = 1) -> Markup:
    """Vertical bars, one per label, stacked by series (e.g. channel)."""
    width, height, left, bottom, top = 720, 260, 40, 40, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    totals = [sum(s[i] for s in series.values()) for i in range(len(labels))]
    ymax = _nice_max(max(totals or [0]))
    bar_w = plot_w / max(1, len(labels))
    parts: List[str] = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title><desc id="{escape(chart_id)}-d">{escape(desc)}</desc>',
    ]
    for tick in range(0, 5):
        value = ymax * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>')
    for i, label in enumerate(labels):
        x = left + i * bar_w
        base: float = top + plot_h
        for j, (name, values) in enumerate(series.items()):
            v = values[i]
            if not v:
                continue
            h = plot_h * v / ymax
            base -= h
            parts.append(f'<rect class="{PALETTE[j % len(PALETTE)]}" x="{x + 1:.1f}" y="{base:.1f}" '
                         f'width="{max(1.0, bar_w - 2):.1f}" height="{h:.1f}"><title>{escape(label)}: '
                         f'{escape(name)} {v}</title></rect>')
        if i % label_every == 0:
            parts.append(f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{height - bottom + 14}" '
                         f'text-anchor="middle">{escape(label)}</text>')
    legend_x = left
    for j, name in enumerate(series):
        parts.append(f'<rect class="{PALETTE[j % len(PALETTE)]}" x="{legend_x}" y="{height - 14}" width="10" height="10"/>'
                     f'<text class="axis" x="{legend_x + 14}" y="{height - 5}">{escape(name)}</text>')
        legend_x += 24 + 8 * len(name)
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(chart_id: str, title: str, desc: str, rows: Sequence[Tuple[str, float]],
                    value_format: str = "{:g}") -> Markup:
    width, row_h, label_w = 720, 24, 220
    height = max(1, len(rows)) * row_h + 10
    vmax = max([v for _, v in rows] or [0]) or 1
    parts: List[str] = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title><desc id="{escape(chart_id)}-d">{escape(desc)}</desc>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 5 + i * row_h
        w = (width - label_w - 80) * value / vmax
        parts.append(f'<text class="axis" x="{label_w - 6}" y="{y + 16}" text-anchor="end">{escape(label)}</text>'
                     f'<rect class="{PALETTE[i % len(PALETTE)] if len(rows) <= 3 else "c1"}" x="{label_w}" '
                     f'y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 6}"/>'
                     f'<text class="axis" x="{label_w + w + 6:.1f}" y="{y + 16}">'
                     f'{escape(value_format.format(value))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
