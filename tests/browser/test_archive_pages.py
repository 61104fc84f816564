"""The public archive in a real browser: axe (WCAG 2.1 AA) and focus rings on /arkiv and an issue's page,
and the admin's hide toggle on the newsletter page, with the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import audit
from tests.browser.conftest import ADA, LiveServer, login
from tests.browser.test_screenshots import seed

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]


def test_the_archive_pages_pass_axe_and_an_admin_hides_an_issue_by_keyboard(
    live_server: LiveServer, page: Page
) -> None:
    _reference, sending_id, _draft_id = seed(live_server)
    problems: list[str] = []
    page.goto("/arkiv")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nyhetsbrevsarkiv")
    problems += audit.audit_page(page, "archive")
    issue_link = page.locator(".archive-list a").first
    issue_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/arkiv/{sending_id}-*")
    page.wait_for_load_state("networkidle")
    problems += audit.audit_page(page, "archived issue")
    assert not problems, "WCAG problems on the archive pages:\n  " + "\n  ".join(problems)

    login(page, ADA)
    page.goto(f"/app/nyhetsbrev/{sending_id}")
    problems += audit.audit_page(page, "newsletter page with the archive toggle")
    hide = page.get_by_role("button", name="Dölj i arkivet")
    hide.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("visas inte längre i det öppna arkivet")).to_be_visible()
    expect(page.get_by_role("button", name="Visa i arkivet igen")).to_be_visible()
    page.goto("/arkiv")
    expect(page.get_by_text("Inga nyhetsbrev har skickats än.")).to_be_visible()
    problems += audit.audit_page(page, "empty archive")
    assert not problems, "WCAG problems:\n  " + "\n  ".join(problems)
