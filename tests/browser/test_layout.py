"""Every staff page fits its window: no horizontal scrolling of the page at 1280 px, 1600 px and on a 390 px
phone (wide tables scroll inside their own box, or become cards).

``STAFF_PAGES`` is the one list of pages: add a new staff page there (``{name}`` takes an id of the seed).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, ViewportSize

from tests.browser.conftest import ADA, PHONE, LiveServer, login
from tests.browser.test_accessibility import _seeded

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

WIDTHS: tuple[ViewportSize, ...] = ({"width": 1280, "height": 900}, {"width": 1600, "height": 900}, PHONE)
STAFF_PAGES: list[str] = [
    "/app/",
    "/app/arenden",
    "/app/arenden?status=alla&q=festival",
    "/app/arenden/nytt",
    "/app/arenden/{answered}",
    "/app/arenden/{reference}",
    "/app/arenden/KK-2000-9999",
    "/app/nyhetsbrev",
    "/app/nyhetsbrev/nytt",
    "/app/nyhetsbrev/{draft}",
    "/app/nyhetsbrev/{draft}/redigera",
    "/app/nyhetsbrev/{sending}",
    "/app/prenumeranter",
    "/app/prenumeranter/{subscriber}",
    "/app/prenumeranter/import",
    "/app/inkommande",
    "/app/inkommande?route=quarantine",
    "/app/inkommande/{inbound}",
    "/app/rapporter",
    "/app/rapporter?from=2024-01-01&to=2026-12-31",  # three years: 36 bars per chart
    "/app/anvandare",
    "/app/konto",
    "/app/svarsmallar",
]

# What sticks out, for the message: the outermost elements whose right edge is past the window.
_WIDER = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const out = [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > width + 1);
  return out.filter(el => !out.includes(el.parentElement)).slice(0, 5)
    .map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '')
      + ' (' + Math.round(el.getBoundingClientRect().right) + ' px)');
}"""


def test_no_staff_page_scrolls_sideways(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    ids = _seeded(live_server)
    inbound = ids["inbound"]
    assert isinstance(inbound, list)
    values = {**ids, "inbound": inbound[-1]}
    problems: list[str] = []
    for viewport in WIDTHS:
        page = new_context(viewport=viewport).new_page()
        login(page, ADA)
        for template in STAFF_PAGES:
            url = template.format(**values)
            page.goto(url)
            page.wait_for_load_state("networkidle")
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                wider = ", ".join(page.evaluate(_WIDER))
                problems.append(f"{url} at {viewport['width']} px: {scroll} px wide ({wider})")
    assert not problems, "Pages wider than the window:\n  " + "\n  ".join(problems)


# Each filter of the Ärenden list, its search field and button, and the table's box, as drawn.
_CASE_LIST = """() => ({
  labels: [...document.querySelectorAll('.case-filters label:not(.visually-hidden)')]
    .map(el => Math.round(el.getBoundingClientRect().width)),
  selects: [...document.querySelectorAll('.case-filters select')].map(el => Math.round(el.getBoundingClientRect().width)),
  button: Math.round(document.querySelector('.case-filters button').getBoundingClientRect().height),
  search: Math.round(document.querySelector('.case-filters input[type=search]').getBoundingClientRect().width),
  table: (b => b ? [b.scrollWidth, b.clientWidth] : null)(document.querySelector('.table-scroll')),
})"""


def test_the_case_list_is_readable_at_every_width(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    _seeded(live_server)
    for viewport in WIDTHS:
        page = new_context(viewport=viewport).new_page()
        login(page, ADA)
        page.goto("/app/arenden")
        drawn = page.evaluate(_CASE_LIST)
        where = f"at {viewport['width']} px: {drawn}"
        # Labels wide enough for their word (not a letter per line), selects not shrunk to empty pills.
        assert min(drawn["labels"]) >= 150 and min(drawn["selects"]) >= 150, where
        assert drawn["button"] <= 60 and drawn["search"] >= 200, (
            where
        )  # "Visa" is a button, not a half-circle
        if viewport["width"] >= 1280:
            scroll, box = drawn["table"]
            assert scroll <= box, f"the case table is cut off {where}"  # every column is in view
