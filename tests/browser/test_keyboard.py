"""The two main flows with the keyboard alone: no click, no fill; Tab to a control, then type or press Enter.

``tab_to`` presses Tab until the wanted control has focus, so each step also proves the control is in
the tab order (and says how many stops it took when it is not).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kulturkluster.texts import t
from tests.browser import demo
from tests.browser.conftest import SAM, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.integration]

MAX_TAB_STOPS = 150
REPLY = "Hej Linnea!\n\nJa, en enskild firma kan söka en kreativ utvecklingscheck.\n\nVänliga hälsningar\nSam"
SUBSCRIBERS = [
    ("anna.berg@kulturmejl.example", "Anna Berg"),
    ("erik.sjoberg@musikhuset.example", "Erik Sjöberg"),
    ("fatima.yusuf@dansstudion.example", "Fatima Yusuf"),
]
SUBJECT = "Kulturfrukost i Eskilstuna 19 mars"

_FOCUSED = """([selector, text]) => {
  const el = document.activeElement;
  return !!el && el.matches(selector) && (!text || (el.textContent || el.value || "").includes(text));
}"""


def tab_to(page: Page, selector: str, text: str = "") -> None:
    """Press Tab until the focused element matches ``selector`` (and holds ``text``)."""
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press("Tab")
        if page.evaluate(_FOCUSED, [selector, text]):
            return
    pytest.fail(f"{selector} {text!r} is not reachable with Tab on {page.url}")


def enter_and_load(page: Page) -> None:
    """Enter on a link or a form's button: wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def log_in_with_keys(page: Page) -> None:
    page.goto("/app/login")
    tab_to(page, "input[name=username]")
    page.keyboard.type(SAM.username)
    page.keyboard.press("Tab")
    page.keyboard.type(SAM.password)
    enter_and_load(page)
    expect(page.get_by_role("heading", name="Översikt", level=1)).to_be_visible()


def test_answer_a_case_with_the_keyboard_only(live_server: LiveServer, page: Page) -> None:
    demo.add_cases(live_server, demo.NORRLYSET_QUESTION)
    [receipt] = live_server.smtp.handler.messages_to(demo.NORRLYSET.email)
    [reference] = re.findall(r"\[(KK-\d{4}-\d{4})\]", receipt.message["Subject"])
    live_server.smtp.reset()

    log_in_with_keys(page)
    tab_to(page, 'header a[href="/app/arenden"]')
    enter_and_load(page)
    expect(page.get_by_role("heading", name="Ärenden", level=1)).to_be_visible()
    tab_to(page, f'a[href="/app/arenden/{reference}"]')
    enter_and_load(page)
    expect(page.get_by_role("heading", name=reference, level=1)).to_be_visible()

    tab_to(page, "#reply-body")
    page.keyboard.type(REPLY)
    expect(page.locator("#reply-preview")).to_contain_text(f"SV: [{reference}]")
    # A short announcement; the preview itself is not read out again.
    expect(page.locator("#reply-preview-status")).to_have_text("Förhandsgranskningen är uppdaterad")

    tab_to(page, "button[type=submit]", "Skicka svar")
    enter_and_load(page)
    expect(page.get_by_role("status").first).to_contain_text(t("web.cases.replied", reference=reference))
    [sent] = live_server.smtp.handler.messages_to(demo.NORRLYSET.email)
    assert f"[{reference}]" in sent.message["Subject"]


def test_compose_and_send_a_newsletter_with_the_keyboard_only(live_server: LiveServer, page: Page) -> None:
    demo.add_subscribers(live_server, SUBSCRIBERS)
    log_in_with_keys(page)
    tab_to(page, 'header a[href="/app/nyhetsbrev"]')
    enter_and_load(page)
    tab_to(page, 'a[href="/app/nyhetsbrev/nytt"]')
    enter_and_load(page)
    expect(page.get_by_role("heading", name="Nytt nyhetsbrev", level=1)).to_be_visible()
    expect(page.locator("#preview")).to_contain_text("Ämne:")

    tab_to(page, "#amne")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.insert_text(SUBJECT)  # the subject is a field of its own: no YAML to get wrong
    expect(page.locator("#preview")).to_contain_text(f"Ämne: {SUBJECT}")
    expect(page.locator("#preview-status")).to_have_text("Förhandsvisningen är uppdaterad")

    tab_to(page, "button[type=submit]", "Spara utkast")
    enter_and_load(page)
    expect(page.get_by_role("heading", name=SUBJECT, level=1)).to_be_visible()
    tab_to(page, "button[type=submit]", "Kontrollera")
    page.keyboard.press("Enter")
    expect(page.locator("#check")).not_to_be_empty()
    tab_to(page, "button[type=submit]", "Granska och skicka")
    enter_and_load(page)
    expect(page.get_by_role("heading", name=re.compile(r"^Skicka"), level=1)).to_be_visible()
    tab_to(page, "button[type=submit]", f"Ja, skicka till {len(SUBSCRIBERS)} mottagare")
    enter_and_load(page)
    expect(page.locator("#status")).to_be_visible()

    demo.run_mailer_once(live_server)
    assert len(live_server.smtp.handler.received) == len(SUBSCRIBERS)
    # The polled status announces the count in its live region, which stayed in the page.
    expect(page.locator("#status-announcement")).to_contain_text(
        f"{len(SUBSCRIBERS)} av {len(SUBSCRIBERS)} skickade", timeout=15_000
    )
