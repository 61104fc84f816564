"""Answering a case end to end: mail in through the real pipeline, a reply out to the SMTP server."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest
from playwright.sync_api import Page, expect

from kulturkluster.texts import t
from tests.browser import demo
from tests.browser.conftest import LiveServer, login, open_section

pytestmark = [pytest.mark.browser, pytest.mark.integration]

REPLY = (
    "Hej Linnea!\n\nJa, en enskild firma kan söka en kreativ utvecklingscheck. Ni står själva för "
    "minst hälften av kostnaden.\n\nVänliga hälsningar\nSam"
)


def test_answer_a_case_from_the_inbox(live_server: LiveServer, page: Page) -> None:
    demo.add_cases(live_server, demo.NORRLYSET_QUESTION)
    [receipt] = live_server.smtp.handler.messages_to(demo.NORRLYSET.email)
    [reference] = re.findall(r"\[(KK-\d{4}-\d{4})\]", receipt.message["Subject"])
    live_server.smtp.reset()

    login(page)
    open_section(page, "Ärenden")
    expect(page.get_by_role("heading", name="Ärenden", level=1)).to_be_visible()
    row = page.get_by_role("row").filter(has_text=reference)
    expect(row).to_contain_text(demo.NORRLYSET.name)
    row.get_by_role("link", name=reference).click()

    expect(page).to_have_url(f"{live_server.url}/app/arenden/{reference}")
    expect(page.get_by_role("heading", name=reference, level=1)).to_be_visible()
    expect(page.get_by_text("Inkommande mejl")).to_be_visible()

    # Typing shows the mail as it will go (htmx live preview); the button asks for it too.
    page.get_by_label(re.compile(r"^Svar till")).fill(REPLY)
    preview = page.locator("#reply-preview")
    expect(preview).to_contain_text("Ja, en enskild firma kan söka")
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(preview).to_contain_text(f"SV: [{reference}]")
    expect(preview).to_contain_text(demo.NORRLYSET.email)
    expect(preview).to_contain_text("fraga-1@norrlyset.example")

    page.get_by_role("button", name="Skicka svar").click()
    expect(page).to_have_url(f"{live_server.url}/app/arenden/{reference}")
    expect(page.get_by_role("status")).to_contain_text(t("web.cases.replied", reference=reference))
    expect(page.locator(".case-message-out")).to_contain_text("Ja, en enskild firma kan söka")

    # The reply left at once, in the actor's thread.
    [sent] = live_server.smtp.handler.messages_to(demo.NORRLYSET.email)
    message = sent.message
    assert isinstance(message, EmailMessage)  # parsed with the default policy
    assert message["In-Reply-To"] == "<fraga-1@norrlyset.example>"
    assert "<fraga-1@norrlyset.example>" in message["References"].split()
    assert f"[{reference}]" in message["Subject"]
    assert message["Subject"].startswith("SV: ")
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    assert "Ja, en enskild firma kan söka" in body.get_content()
