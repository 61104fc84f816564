"""The report charts: colours you can see against the page, and a text alternative that points at the table."""

from __future__ import annotations

import re

from kulturkluster.web.staff.charts import BACKGROUND, NOT_SET_COLOUR, PALETTE, Series, stacked_bars


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_every_chart_colour_has_3_to_1_against_the_page() -> None:
    low = {
        c: round(contrast(c, BACKGROUND), 2)
        for c in (*PALETTE, NOT_SET_COLOUR)
        if contrast(c, BACKGROUND) < 3
    }
    assert low == {}


def test_a_chart_is_an_image_with_a_title_and_a_description_naming_the_table() -> None:
    svg = str(
        stacked_bars(
            "fokus", "Ärenden per månad", ["2026-01", "2026-02"], [Series("Stöd", (1, 2)), Series("Ej satt", (0, 1))],
            not_set="Ej satt",
        )
    )  # fmt: skip
    assert 'role="img"' in svg and 'aria-labelledby="chart-fokus"' in svg
    assert '<title id="chart-fokus">Ärenden per månad</title>' in svg
    assert 'aria-describedby="chart-fokus-desc"' in svg
    desc = re.search(r'<desc id="chart-fokus-desc">([^<]*)</desc>', svg)
    assert desc and "tabellen nedan" in desc.group(1) and "jan 2026 till feb 2026" in desc.group(1)
    used = set(re.findall(r'fill="(#[0-9A-Fa-f]{6})"', svg)) - {"#555555", "#333333"}
    assert all(contrast(c, BACKGROUND) >= 3 for c in used), used
