"""The accessibility checks of ``tests/browser/audit.py`` on pages with known faults: they must catch them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser import audit

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_the_checks_themselves_catch_what_they_are_for(page: Page) -> None:
    """A page with known faults: axe names the rule, the focus check measures the faint ring."""
    page.set_content(
        "<html><body><img src='data:,'><a href='#'>x</a>"
        "<style>a:focus-visible { outline: 3px solid rgba(205, 104, 224, 0.5); }</style></body></html>"
    )
    found = "\n".join(audit.axe_violations(page))
    assert "image-alt (critical)" in found and "html-has-lang" in found and "img" in found
    [faint] = audit.focus_ring_problems(page)
    assert faint.startswith('a "x": ring rgba(205, 104, 224, 0.5)') and "1.73:1" in faint
    page.set_viewport_size(audit.PHONE_320)
    page.set_content("<html lang='sv'><body><div style='width: 400px'>bred</div></body></html>")
    with pytest.raises(AssertionError, match="scrollWidth 4"):
        audit.assert_no_horizontal_scroll(page, "a wide page")
