"""Answering well in a real browser: a canned answer written on Svarsmallar, chosen on the case page, sent
with a file, the requester's question quoted; every page on the way passes axe and fits a phone."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from playwright.sync_api import BrowserContext, FilePayload, expect

from tests.browser import audit, demo
from tests.browser.conftest import LiveServer, login

pytestmark = [pytest.mark.browser, pytest.mark.integration]

TEMPLATE = "Hej {förnamn}!\n\nHär är blanketten för ärende {ärende}.\n\nVänliga hälsningar\n{handläggare}"


def test_a_canned_answer_with_a_file(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    demo.add_cases(live_server, demo.NORRLYSET_QUESTION)
    [receipt] = live_server.smtp.handler.messages_to(demo.NORRLYSET.email)
    [reference] = re.findall(r"\[(KK-\d{4}-\d{4})\]", receipt.message["Subject"])
    live_server.smtp.reset()
    page = new_context().new_page()
    problems: list[str] = []
    login(page)

    page.goto("/app/svarsmallar")
    problems += audit.audit_page(page, "svarsmallar, empty")
    page.get_by_label("Namn").fill("Blankett")
    page.get_by_label("Text").fill("Hej {namn}!")
    page.get_by_role("button", name="Spara svarsmallen").click()
    expect(page.get_by_role("alert")).to_contain_text("okända platshållaren {namn}")
    problems += audit.audit_page(page, "svarsmallar, refused")
    page.get_by_label("Text").fill(TEMPLATE)
    page.get_by_role("button", name="Spara svarsmallen").click()
    expect(page.get_by_role("status")).to_contain_text("Svarsmallen ”Blankett” är sparad.")
    problems += audit.audit_page(page, "svarsmallar, one template")
    edit_url = page.get_by_role("link", name="Blankett").get_attribute("href")
    assert edit_url is not None
    page.get_by_role("link", name="Blankett").click()
    problems += audit.audit_page(page, "svarsmall, edit")

    page.goto(f"/app/arenden/{reference}")
    expect(page.locator(".case-message-receipt")).to_contain_text("Automatisk mottagningsbekräftelse")
    page.get_by_label("Börja från en svarsmall").select_option(label="Blankett")
    page.get_by_role("button", name="Använd mallen").click()
    reply = page.get_by_label(re.compile(r"^Svar till"))
    first_name = demo.NORRLYSET.name.split()[0]
    expect(reply).to_have_value(
        re.compile(rf"^Hej {first_name}!\n\nHär är blanketten för ärende {reference}\.")
    )
    page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")
    problems += audit.audit_page(page, "case, reply from a template")
    blankett: FilePayload = {"name": "Ansökan 2027.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7"}
    page.get_by_label(re.compile(r"^Bilagor")).set_input_files([blankett])
    page.get_by_role("button", name="Skicka svar").click()
    expect(page.locator(".case-message-out")).to_contain_text("Här är blanketten")
    expect(page.locator(".case-message-out").get_by_role("link", name="Ansökan 2027.pdf")).to_be_visible()
    problems += audit.audit_page(page, "case, answered with a file")

    [sent] = live_server.smtp.handler.messages_to(demo.NORRLYSET.email)
    message = sent.message
    assert isinstance(message, EmailMessage)
    assert [(p.get_filename(), p.get_content()) for p in message.iter_attachments()] == [
        ("Ansökan 2027.pdf", b"%PDF-1.7")
    ]
    body = message.get_body(("plain",))
    assert body is not None and "\n> " in body.get_content().replace("\r\n", "\n")  # the question, quoted

    phone = new_context(viewport=audit.PHONE_320).new_page()
    login(phone)
    for url in ("/app/svarsmallar", edit_url, f"/app/arenden/{reference}"):
        phone.goto(url)
        try:
            audit.assert_no_horizontal_scroll(phone, url)
        except AssertionError as exc:
            problems.append(str(exc))
    assert not problems, "\n  ".join(problems)
