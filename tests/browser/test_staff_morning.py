"""A staff member's morning (issue 15), end to end in a real browser: a question arrives by mail through the
real pipeline, Sam is told by mail, opens the case from the link in that mail (logging in on the way), answers
with a canned answer and a PDF, hears of the requester's answer, and sets a follow-up day that Översikt
then lists and that reminds Sam by mail. Every page on the way passes axe. The mail is read at the real SMTP test server, as the recipients would get it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage, Message
from email.policy import SMTP
from email.utils import formatdate
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, FilePayload, Page, expect

from cases.notify_words import day_label
from inbound.sources.base import Item
from kulturkluster.answers import OUR_MARKER_HEADER
from kulturkluster.texts import t
from tests.browser import audit, demo
from tests.browser.conftest import PHONE, SAM, LiveServer, login, open_section

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SAM_EMAIL = "sam@kk.test"  # the live server's account for ``sam``
SIGNATURE = "Sam Staff\nVerksamhetsutvecklare, Kulturkluster Sörmland\n070-123 45 67"
TEMPLATE = (
    "Hej {förnamn}!\n\nTack för din fråga i ärende {ärende}. Jag heter {handläggare} och hjälper dig gärna "
    "vidare. Ansökningsblanketten ligger som bilaga.\n\nVänliga hälsningar"
)
SUBJECT = "Fråga om utvecklingscheck för vår keramikverkstad"
LINNEA = demo.Actor("Linnea Holm", "linnea@norrlyset.example")
QUESTION = demo.mail(
    LINNEA,
    SUBJECT,
    "Hej!\n\nVi är två keramiker som driver Ateljé Norrlyset i Trosa och undrar om kurser i drejning för "
    "företag kan passa för en kreativ utvecklingscheck.\n\nKan man söka som enskild firma?\n\n"
    "Vänliga hälsningar\nLinnea Holm",
    message_id="morgon-1@norrlyset.example",
)
PDF: FilePayload = {
    "name": "Ansökan utvecklingscheck.pdf",
    "mimeType": "application/pdf",
    "buffer": b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
}


def _arrive(server: LiveServer, raw: bytes) -> None:
    """As the inbound runner does: the batch through the pipeline, then (after its commit) the staff notices
    become mail and the outbox is flushed."""
    server.services.pipeline.process([Item(raw=raw, source="test")])
    server.services.send_queued()


def _notices_to(server: LiveServer, address: str) -> list[Message]:
    messages = [r.message for r in server.smtp.handler.messages_to(address)]
    return [m for m in messages if m[OUR_MARKER_HEADER] == "staff_notice"]


def _plain(message: Message) -> str:
    assert isinstance(message, EmailMessage)
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def _html(message: Message) -> str:
    assert isinstance(message, EmailMessage)
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


def _answer_to(ours: EmailMessage, text: str) -> bytes:
    """The requester's answer to ``ours`` as a mail program writes it: threaded, our text quoted below."""
    quoted = "\n".join(f"> {line}" for line in _plain(ours).splitlines())
    answer = EmailMessage()
    answer["From"] = f"{LINNEA.name} <{LINNEA.email}>"
    answer["To"] = ours["From"]
    answer["Subject"] = "Sv: " + ours["Subject"]
    answer["Date"] = formatdate(localtime=True)
    answer["Message-ID"] = "<morgon-2@norrlyset.example>"
    answer["In-Reply-To"] = ours["Message-ID"]
    answer["References"] = f"{ours['References']} {ours['Message-ID']}"
    answer.set_content(f"{text}\n\nDen 30 november 2026 kl. 09:12 skrev {ours['From']}:\n{quoted}\n")
    return answer.as_bytes(policy=SMTP)


def _prepare_yesterday(page: Page, problems: list[str]) -> None:
    """Sam's signature and time of day on Mitt konto, and a canned answer with placeholders on Svarsmallar."""
    login(page)
    page.locator("header").get_by_role("link", name="Mitt konto").click()
    expect(page.get_by_role("heading", name="Mitt konto", level=1)).to_be_visible()
    problems += audit.audit_page(page, "Mitt konto")
    # Reminders come at the chosen time of day; midnight makes today's due whenever the test runs.
    page.get_by_label(re.compile(r"^Klockslag för sammanfattning")).fill("00:00")
    page.get_by_label("Signatur i dina svar").fill(SIGNATURE)
    page.get_by_label("Signatur i dina svar").press("Tab")  # on to "Spara"
    expect(page.get_by_role("button", name="Spara", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(t("notify.saved"))
    expect(page.get_by_label("Signatur i dina svar")).to_have_value(SIGNATURE)

    page.goto("/app/svarsmallar")
    page.get_by_label("Namn").fill("Blankett utvecklingscheck")
    page.get_by_label("Text").fill(TEMPLATE)
    page.get_by_role("button", name="Spara svarsmallen").click()
    expect(page.get_by_role("status")).to_contain_text("Svarsmallen ”Blankett utvecklingscheck” är sparad.")
    problems += audit.audit_page(page, "Svarsmallar")


def test_a_staff_members_morning(live_server: LiveServer, new_context: Callable[..., BrowserContext]) -> None:
    problems: list[str] = []
    _prepare_yesterday(new_context().new_page(), problems)

    # A question arrives; the requester gets the receipt, Sam a notice with the reference and a link.
    _arrive(live_server, QUESTION)
    [receipt] = live_server.smtp.handler.messages_to(LINNEA.email)
    [reference] = re.findall(r"\[(KK-\d{4}-\d{4})\]", receipt.message["Subject"])
    [notice] = _notices_to(live_server, SAM_EMAIL)
    assert notice["Subject"] == f"Nytt ärende {reference}: {SUBJECT}"
    text = _plain(notice)
    assert "Hej!\nVi är två keramiker som driver Ateljé Norrlyset i Trosa" in text  # the first lines
    case_link = f"{live_server.url}/app/arenden/{reference}"
    assert f"[Öppna ärendet {reference}]({case_link})" in text
    live_server.smtp.reset()

    # The next morning (a fresh browser, not logged in): the link leads through the login to the case.
    page = new_context().new_page()
    page.goto(case_link)
    expect(page).to_have_url(re.compile(r"/app/login\?next="))
    page.get_by_label("Användarnamn").fill(SAM.username)
    page.get_by_label("Lösenord").fill(SAM.password)
    page.get_by_label("Lösenord").press("Enter")
    expect(page).to_have_url(case_link)
    expect(page.get_by_role("heading", name=reference, level=1)).to_be_visible()
    problems += audit.audit_page(page, "case, as opened from the notice")

    # A canned answer, with the placeholders filled, and a PDF.
    page.get_by_label("Börja från en svarsmall").select_option(label="Blankett utvecklingscheck")
    page.get_by_role("button", name="Använd mallen").press("Enter")
    reply = page.get_by_label(re.compile(r"^Svar till"))
    filled = f"Hej Linnea!\n\nTack för din fråga i ärende {reference}."
    expect(reply).to_have_value(re.compile("^" + re.escape(filled)))
    expect(reply).to_have_value(re.compile(re.escape(f"Jag heter {SAM.name} och hjälper dig")))
    page.get_by_label(re.compile(r"^Bilagor")).set_input_files([PDF])
    expect(page.get_by_label(re.compile(r"Citera det senaste mejlet"))).to_be_checked()
    page.get_by_role("button", name="Skicka svar").click()
    expect(page.get_by_role("status")).to_contain_text(t("web.cases.replied", reference=reference))
    expect(page.locator(".case-message-out").get_by_role("link", name=PDF["name"])).to_be_visible()
    problems += audit.audit_page(page, "case, answered")

    # What the requester got: the filled answer, Sam's signature, the question quoted, the PDF.
    [sent] = live_server.smtp.handler.messages_to(LINNEA.email)
    message = sent.message
    assert isinstance(message, EmailMessage)
    assert f"[{reference}]" in message["Subject"]
    body = _plain(message)
    assert filled in body
    assert SIGNATURE in body
    assert "> Vi är två keramiker som driver Ateljé Norrlyset i Trosa" in body
    assert body.index(filled) < body.index(SIGNATURE) < body.index("> Vi är två keramiker")
    [attachment] = message.iter_attachments()
    assert isinstance(attachment, EmailMessage)
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == PDF["name"]
    assert attachment.get_content() == PDF["buffer"]
    assert _notices_to(live_server, SAM_EMAIL) == []  # nobody is told of their own action

    # Linnea answers from her mail program, below the quoted reply: Sam hears of it, without the quote.
    live_server.smtp.reset()
    _arrive(live_server, _answer_to(message, "Tack, då söker vi före jul!\n\nHälsningar\nLinnea"))
    [news] = _notices_to(live_server, SAM_EMAIL)
    assert news["Subject"] == f"Nytt meddelande i ärende {reference}: {SUBJECT}"
    news_text = _plain(news)
    # Her lines, then the link: not the quote's "Den ... skrev ...:" nor what it quotes.
    assert "Tack, då söker vi före jul!\nHälsningar\nLinnea\n\n[Öppna ärendet" in news_text
    assert f"({case_link})" in news_text
    page.reload()
    expect(page.locator(".case-message-in").last).to_contain_text("Tack, då söker vi före jul!")

    # A follow-up day (today, in Stockholm) on the case page; Översikt lists it as due.
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    follow_up = page.get_by_label(re.compile(r"^Datum att följa upp"))
    follow_up.fill(today.isoformat())
    page.get_by_role("button", name="Spara datum").click()
    expect(page.get_by_role("status")).to_contain_text(t("notify.follow_up_set", day=day_label(today)))
    expect(page.get_by_label(re.compile(r"^Datum att följa upp"))).to_have_value(today.isoformat())
    problems += audit.audit_page(page, "case, follow-up set")

    open_section(page, "Översikt")
    due = page.locator(".follow-ups li").filter(has_text=reference)
    expect(due).to_contain_text(t("notify.due_today"))
    expect(due).to_contain_text(SAM.name)  # the first reply assigned the case to Sam
    problems += audit.audit_page(page, "Översikt, a follow-up due")

    # The mailer loop's round reminds Sam, the assignee, by mail on the day; once.
    live_server.smtp.reset()
    live_server.services.scheduled_round()
    live_server.services.scheduled_round()
    [reminder] = _notices_to(live_server, SAM_EMAIL)
    assert reminder["Subject"] == f"Följ upp ärende {reference}: {SUBJECT}"
    assert f"Ärendet ska följas upp {t('notify.due_today')}." in _plain(reminder)
    assert _notices_to(live_server, "ada@kk.test") == []  # the case is Sam's

    # The mails of the morning, as delivered, pass axe too.
    reader = new_context().new_page()
    reader.route(re.compile(r"^https?://"), lambda route: route.abort())  # no remote images offline
    for name, mail in (("notice", notice), ("answer", message), ("news", news), ("reminder", reminder)):
        reader.set_content(_html(mail), wait_until="domcontentloaded")
        problems += [f"mail {name}: axe {p}" for p in audit.axe_violations(reader)]

    # On the phone on the way in: the case and Översikt fit a 390 px screen.
    phone = new_context(viewport=PHONE).new_page()
    login(phone)
    for url in (f"/app/arenden/{reference}", "/app/"):
        phone.goto(url)
        try:
            audit.assert_no_horizontal_scroll(phone, url)
        except AssertionError as exc:
            problems.append(str(exc))
    assert not problems, "\n  ".join(problems)
