"""Small charts drawn on the server as inline SVG: no script, no style attributes (the staff pages' CSP).

Colours are SVG presentation attributes (``fill=``), which a ``style-src 'self'`` policy allows. Every
colour has at least 3:1 contrast against the white page (WCAG 1.4.11), and a chart names the table that
holds the same numbers (its ``<desc>``, and a visible link in the page's figure caption), so the colours
never carry the information alone. Not ``aria-describedby`` on the table: a screen reader would read every
number of it as the chart's description.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from kulturkluster.formats import month_label
from kulturkluster.texts import t

# After Okabe–Ito (colour-blind friendly), darkened where needed to reach 3:1 against white (the lightest
# is 4.5:1); grey for "not set". tests/unit/test_charts.py measures them.
PALETTE = ("#0072B2", "#B35900", "#007A5A", "#A8437F", "#5B3E96", "#8A6D00", "#000000", "#C2185B")
NOT_SET_COLOUR = "#767676"
BACKGROUND = "#FFFFFF"


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[int, ...]  # one per category (month)


def _nice_max(value: int) -> int:
    """A round top for the axis: 1, 2, 5, 10, 20, 50 ..."""
    if value <= 0:
        return 1
    magnitude: int = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 5, 10) if step * magnitude >= value)


def _description(categories: Sequence[str], series: Sequence[Series]) -> str:
    if not categories:
        return t("web.charts.empty")
    first, last = month_label(categories[0]), month_label(categories[-1])
    span = first if first == last else t("web.charts.span", first=first, last=last)
    return t("web.charts.description", span=span, series=len(series))


def stacked_bars(
    chart_id: str, title: str, categories: Sequence[str], series: Sequence[Series], not_set: str = ""
) -> Markup:
    """A stacked bar per category (e.g. month), one colour per series, with a legend and a text alternative."""
    left, top, bar_gap, chart_h = 36, 12, 10, 180
    bar_w = 34 if len(categories) <= 12 else 18
    # The legend: as many columns as fit, each wide enough for the longest name (11 px text ~ 7 px a letter)
    column_w = max(120, 24 + 7 * max((len(s.name) for s in series), default=0))
    width = max(left + max(len(categories), 1) * (bar_w + bar_gap) + 10, left + 3 * column_w)
    per_row = max((width - left) // column_w, 1)
    legend_rows = math.ceil(len(series) / per_row)
    height = top + chart_h + 52 + legend_rows * 18
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    top_value = _nice_max(max(totals, default=0))
    scale = chart_h / top_value
    colours = {}
    palette = iter(PALETTE)
    for s in series:
        colours[s.name] = NOT_SET_COLOUR if s.name == not_set else next(palette, NOT_SET_COLOUR)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="chart-{chart_id}" '
        f'aria-describedby="chart-{chart_id}-desc">',
        f'<title id="chart-{chart_id}">{escape(title)}</title>',
        f'<desc id="chart-{chart_id}-desc">{escape(_description(categories, series))}</desc>',
    ]
    base = top + chart_h
    for tick in (0, top_value // 2 if top_value >= 2 else None, top_value):
        if tick is None:
            continue
        y = base - tick * scale
        parts.append(
            f'<line x1="{left}" x2="{width - 6}" y1="{y:.1f}" y2="{y:.1f}" stroke="#dddddd" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10" fill="#555555">{tick}</text>'
        )
    for i, month in enumerate(categories):
        category = month_label(month)  # "2026-03" -> "mar 2026"
        x = left + bar_gap / 2 + i * (bar_w + bar_gap)
        y = float(base)
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = value * scale
            y -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w}" height="{h:.1f}" fill="{colours[s.name]}" '
                # a white edge between stacked parts, so neighbouring colours never merge
                f'stroke="{BACKGROUND}" stroke-width="1">'
                f"<title>{escape(category)}, {escape(s.name)}: {value}</title></rect>"
            )
        if totals[i]:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" font-size="10" '
                f'fill="#333333">{totals[i]}</text>'
            )
        name, _, year = category.partition(" ")
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{base + 14}" text-anchor="middle" font-size="10" '
            f'fill="#333333">{escape(name)}'
            + (f'<tspan x="{x + bar_w / 2:.1f}" dy="11">{escape(year)}</tspan>' if year else "")
            + "</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{width - 6}" y1="{base}" y2="{base}" stroke="#555555" stroke-width="1"/>'
    )
    for n, s in enumerate(series):
        lx = left + (n % per_row) * column_w
        ly = base + 42 + (n // per_row) * 18
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{colours[s.name]}"/>')
        parts.append(f'<text x="{lx + 14}" y="{ly}" font-size="11" fill="#333333">{escape(s.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every piece of text in it was escaped above
