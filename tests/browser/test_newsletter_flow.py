"""Composing and sending a newsletter to a small list, then the sender delivers it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import demo
from tests.browser.conftest import LiveServer, login, open_section

pytestmark = [pytest.mark.browser, pytest.mark.integration]

LIST = [
    ("anna.berg@kulturmejl.example", "Anna Berg"),
    ("erik.sjoberg@musikhuset.example", "Erik Sjöberg"),
    ("fatima.yusuf@dansstudion.example", "Fatima Yusuf"),
]
SUBJECT = "Kulturfrukost i Eskilstuna 19 mars"
HEADING = "Kulturfrukost: när kultur möter näringsliv"


def test_compose_check_and_send_a_newsletter(live_server: LiveServer, page: Page) -> None:
    demo.add_subscribers(live_server, LIST)
    login(page)
    open_section(page, "Nyhetsbrev")
    page.get_by_role("button", name="Nytt nyhetsbrev").click()  # a link styled (and roled) as a button
    expect(page.get_by_role("heading", name="Nytt nyhetsbrev", level=1)).to_be_visible()

    # The starter blocks are previewed at once, through the real MJML rendering.
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Ämne: Nyhetsbrev ")
    page.get_by_label("Ämnesrad").fill(SUBJECT)
    page.get_by_label("Rubrik", exact=True).fill(HEADING)

    # The live preview follows the blocks: the subject line and the rendered mail in both widths.
    expect(preview).to_contain_text(f"Ämne: {SUBJECT}")
    desktop = preview.locator("iframe.desktop").content_frame
    mobile = preview.locator("iframe.mobile").content_frame
    expect(desktop.get_by_text(HEADING)).to_be_visible()
    expect(mobile.get_by_text(HEADING)).to_be_visible()

    page.get_by_role("button", name="Spara utkast").click()
    expect(page).to_have_url(re.compile(r"/app/nyhetsbrev/\d+$"))
    expect(page.get_by_role("heading", name=SUBJECT, level=1)).to_be_visible()
    newsletter_url = page.url

    # The pre-send check finds nothing that stops the send.
    page.get_by_role("button", name="Kontrollera").click()
    check = page.locator("#check")
    expect(check).not_to_be_empty()
    expect(check.locator(".check-errors")).to_have_count(0)

    page.get_by_role("button", name=re.compile(r"^Granska och skicka")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Skicka"), level=1)).to_be_visible()
    expect(page.locator(".recipient-count")).to_have_text(str(len(LIST)))
    page.get_by_role("button", name=f"Ja, skicka till {len(LIST)} mottagare").click()
    expect(page).to_have_url(newsletter_url)
    status = page.locator("#status")
    expect(status.locator(".status-counts tbody td").first).to_have_text(str(len(LIST)))
    assert live_server.smtp.handler.received == []  # the web app only starts the send; the worker sends

    # What `kulturkluster mailer run --once` does; the page's polled progress then shows them sent.
    demo.run_mailer_once(live_server)
    for email, _name in LIST:
        [copy] = live_server.smtp.handler.messages_to(email)
        assert copy.message["Subject"] == SUBJECT
        assert copy.message["List-Unsubscribe"]
    assert len(live_server.smtp.handler.received) == len(LIST)
    expect(status.locator(".sent-count")).to_have_text(str(len(LIST)), timeout=15_000)
    expect(status.locator(".badge")).to_have_text("skickat", ignore_case=True)
