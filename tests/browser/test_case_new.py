"""Nytt ärende in a real browser: reached from the Ärenden list, filled in by label, sent, refused in
Swedish; axe-core, the focus rings and no sideways scrolling on a phone."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser import audit
from tests.browser.conftest import LiveServer, login

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def fill(page: Page, subject: str) -> None:
    page.get_by_label("Namn").fill("Gunilla Ek")
    page.get_by_label("Organisation").fill("Teater Gnistan")
    page.get_by_label("Telefonnummer").fill("070-123 45 67")
    page.get_by_label("Kanal").select_option(label="Besök")
    page.get_by_label("Rubrik").fill(subject)
    page.get_by_label("Vad gällde frågan").fill("Frågade om lokaler för en föreställning.")


def test_a_visit_is_recorded_from_the_new_case_page(live_server: LiveServer, page: Page) -> None:
    login(page)
    page.goto("/app/arenden")
    page.get_by_role("button", name="Nytt ärende").click()
    page.wait_for_load_state("networkidle")
    problems = audit.audit_page(page, "new case")
    fill(page, "Lokal för föreställning")
    page.get_by_label("E-post").fill("inte en adress")
    page.get_by_label("E-post").evaluate("input => input.type = 'text'")  # past the browser's own check
    page.get_by_role("button", name="Skapa ärendet").click()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("alert")).to_contain_text("ingen användbar e-postadress")
    expect(page.get_by_label("Organisation")).to_have_value("Teater Gnistan")
    problems += audit.audit_page(page, "new case, refused")
    page.get_by_label("E-post").fill("")
    page.get_by_label("Rubrik").focus()
    page.keyboard.press("Enter")  # the keyboard sends the form
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_contain_text("KK-")
    expect(page.locator("main")).to_contain_text("Besök")
    expect(page.locator("main")).to_contain_text("Ingen e-postadress")
    problems += audit.audit_page(page, "case made by hand")
    assert not problems, "\n  ".join(problems)


def test_the_new_case_page_fits_a_phone(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    login(page)
    page.goto("/app/arenden/nytt")
    audit.assert_no_horizontal_scroll(page, "new case at 390 px")
