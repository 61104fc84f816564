"""WCAG 2.1 AA in a real browser: axe-core and the focus rings on every staff page (also in the states htmx
produces) and every public page, the newsletter's and every system mail's HTML, and reflow at 320 px.

Each test walks all its pages and reports every problem at once, page by page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from playwright.sync_api import BrowserContext, FilePayload, Page, expect
from sqlalchemy import select

from cases.models import Case
from inbound.models import InboundMessage
from kulturkluster.answers import Answer, AnswerKind
from mailer.campaign_models import Newsletter
from mailer.links import PublicLinks
from mailer.models import OutgoingMessage
from subscribers import service as subscriber_service
from subscribers.models import Channel, Status, Subscriber
from subscribers.service import Evidence
from subscribers.tokens import Purpose
from tests.browser import audit
from tests.browser.conftest import ADA, SAM, LiveServer, login
from tests.browser.test_screenshots import IMPORT_CSV, seed

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

PENDING = ("ny.prenumerant@example.se", "Nora Ny")
GONE = ("gammal@example.se", "Gustav Gammal")


@pytest.fixture
def server_settings() -> dict[str, object]:
    # A slow relay, so a newsletter is caught half sent and the progress regions have something to say.
    return {"mailer": {"per_minute": 10, "concurrency": 1}}


class Walk:
    """Visits pages and collects every problem, so one run shows them all."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")

    def check(self, where: str) -> None:
        self.problems += audit.audit_page(self.page, where)

    def visit(self, url: str, where: str | None = None) -> None:
        self.goto(url)
        self.check(where or url)

    def open_all_details(self) -> None:
        self.page.evaluate("document.querySelectorAll('main details').forEach(d => { d.open = true; })")

    def report(self) -> str:
        return "\n  ".join(self.problems)


def _seeded(server: LiveServer) -> dict[str, object]:
    reference, sending_id, draft_id = seed(server)
    evidence = Evidence(Channel.STAFF, detail="added for the accessibility test", actor="sam")
    with server.services.db.unit_of_work() as session:
        subscriber_service.add(session, *PENDING, Status.PENDING, evidence)
        subscriber_service.add(session, *GONE, Status.UNSUBSCRIBED, evidence)
        answered = session.scalars(select(Case.reference).order_by(Case.id)).all()[1]
        subscriber_id = session.scalars(select(Subscriber.id).order_by(Subscriber.id)).first()
        inbound_ids = session.scalars(select(InboundMessage.id).order_by(InboundMessage.id)).all()
    return {
        "reference": reference,
        "answered": answered,
        "sending": sending_id,
        "draft": draft_id,
        "subscriber": subscriber_id,
        "inbound": inbound_ids,
    }


def test_every_staff_page_and_htmx_state_passes_axe_and_shows_focus(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    ids = _seeded(live_server)
    page = new_context().new_page()
    walk = Walk(page)
    walk.visit("/app/login")
    login(page, ADA)

    walk.visit("/app/", "översikt")
    # The overview polls the sending progress; the live region stays and gets a short line.
    with page.expect_response(lambda r: "/app/oversikt/utskick" in r.url, timeout=15_000):
        pass
    page.wait_for_load_state("networkidle")
    expect(page.locator("#progress-announcement")).to_contain_text("skickade")
    walk.check("översikt after polling")

    walk.visit("/app/arenden")
    walk.visit("/app/arenden?status=avslutad&q=festival", "ärenden, filtered")
    walk.visit(f"/app/arenden/{ids['answered']}")
    walk.goto(f"/app/arenden/{ids['reference']}")
    walk.open_all_details()
    walk.check("case, every disclosure open")
    page.get_by_label(re.compile(r"^Svar till")).fill("Hej Linnea!\n\nJa, det går bra.\n\nSam")
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.locator("#reply-preview")).to_contain_text("SV:")
    expect(page.locator("#reply-preview-status")).to_have_text("Förhandsgranskningen är uppdaterad")
    assert page.locator("#reply-preview").get_attribute("aria-live") is None
    walk.check("case with the reply preview")
    page.get_by_label("Anteckningen syns bara för personalen.").fill("Ringer henne i morgon.")
    page.get_by_role("button", name="Spara anteckning").click()
    page.wait_for_load_state("networkidle")
    walk.check("case after a note (flash message)")
    walk.visit("/app/arenden/KK-2000-9999", "case not found")

    walk.visit("/app/nyhetsbrev")
    walk.goto("/app/nyhetsbrev/nytt")
    expect(page.locator("#preview")).to_contain_text("Ämne:")
    expect(page.locator("#preview-status")).to_have_text("Förhandsvisningen är uppdaterad")
    walk.check("new newsletter with its preview")
    for kind in ("Rubrik", "Text", "Bild", "Knapp", "Kalenderpost", "Avdelare"):  # every kind of block
        page.locator(".block-add").get_by_role("button", name=kind, exact=True).click()
    page.get_by_role("button", name="Flytta upp block 9").click()
    expect(page.locator("#editor-status")).to_contain_text("är nu block 8")
    page.get_by_role("button", name="Spara utkast").click()  # refused: the new blocks are empty
    expect(page.locator("#editor-error")).to_contain_text("Block 5 (rubrik): rubriken saknas.")
    walk.check("block editor with every kind of block and an error")
    walk.goto(f"/app/nyhetsbrev/{ids['draft']}/redigera")
    expect(page.locator("#preview")).to_contain_text("Ämne:")
    walk.check("editing a draft")
    walk.goto(f"/app/nyhetsbrev/{ids['draft']}")
    walk.check("draft")
    page.get_by_role("button", name="Kontrollera").click()
    expect(page.locator("#check")).not_to_be_empty()
    walk.check("draft after the check")
    page.get_by_role("button", name=re.compile(r"^Granska och skicka")).click()
    page.wait_for_load_state("networkidle")
    walk.check("send confirmation")
    walk.goto(f"/app/nyhetsbrev/{ids['sending']}")
    with page.expect_response(lambda r: r.url.endswith("/status"), timeout=15_000):
        pass
    expect(page.locator("#status-announcement")).to_contain_text(re.compile(r"\d+ av \d+ skickade"))
    assert page.locator("#status").get_attribute("aria-live") is None
    walk.check("newsletter being sent, after polling")
    walk.visit("/app/nyhetsbrev/99999", "newsletter missing")

    walk.visit("/app/prenumeranter")
    page.get_by_role("searchbox", name="Sök på adress eller namn").fill("berg")
    expect(page.locator("#search-announcement")).to_have_text(re.compile(r"^\d+ träff"))
    walk.check("subscribers after a search")
    walk.visit(f"/app/prenumeranter/{ids['subscriber']}")
    walk.visit("/app/prenumeranter/import")
    file: FilePayload = {"name": "lista.csv", "mimeType": "text/csv", "buffer": IMPORT_CSV.encode()}
    page.get_by_label("CSV-fil").set_input_files(file)
    page.get_by_label("Var kommer adresserna ifrån?").fill("Anmälningslista från Kulturfrukost")
    page.get_by_role("button", name="Förhandsgranska").click()
    page.wait_for_load_state("networkidle")
    walk.check("import preview")
    page.get_by_role("button", name=re.compile(r"^Bekräfta")).click()
    page.wait_for_load_state("networkidle")
    walk.check("import report")

    walk.visit("/app/inkommande")
    walk.visit("/app/inkommande?route=quarantine")
    inbound_ids = ids["inbound"]
    assert isinstance(inbound_ids, list)
    for inbound_id in inbound_ids[-2:]:
        walk.visit(f"/app/inkommande/{inbound_id}")
    walk.visit("/app/rapporter")
    walk.visit("/app/rapporter?from=2026-13-01&to=x", "reports with a bad period")
    walk.visit("/app/anvandare")
    walk.visit("/app/konto")

    staff = new_context().new_page()
    login(staff, SAM)
    walk.page = staff
    walk.visit("/app/anvandare", "forbidden (not admin)")
    assert not walk.problems, "WCAG problems on the staff pages:\n  " + walk.report()


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_the_content(
    live_server: LiveServer, page: Page
) -> None:
    login(page)
    for url in ("/app/", "/app/arenden", "/app/nyhetsbrev", "/app/prenumeranter", "/app/rapporter"):
        page.goto(url)
        page.keyboard.press("Tab")
        skip = page.locator(":focus")
        expect(skip).to_have_text("Hoppa till innehållet")
        expect(skip).to_be_in_viewport()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('main') !== null"), url


def test_every_public_page_passes_axe_and_shows_focus(live_server: LiveServer, page: Page) -> None:
    ids = _seeded(live_server)
    svc = live_server.services
    links = PublicLinks("")
    walk = Walk(page)
    walk.visit("/tillganglighet")
    page.get_by_label(re.compile(r"^Din e-postadress")).fill("inte en adress")
    page.get_by_role("button", name="Skicka anmälan").click()
    page.wait_for_load_state("networkidle")
    walk.check("statement, form with errors")
    page.get_by_label(re.compile(r"^Vad fungerade inte")).fill("Länken i sidfoten syns dåligt.")
    page.get_by_label(re.compile(r"^Din e-postadress")).fill("anna@example.se")
    page.get_by_role("button", name="Skicka anmälan").click()
    expect(page.get_by_role("status")).to_contain_text("Tack!")
    walk.check("statement, report sent")

    walk.visit("/avsluta")
    walk.visit(
        links.unsubscribe(svc.tokens.make(Purpose.UNSUBSCRIBE, "anna.berg@kulturmejl.example")), "unsubscribe"
    )
    page.get_by_role("button").first.click()
    page.wait_for_load_state("networkidle")
    walk.check("unsubscribed")
    walk.visit(
        links.unsubscribe(svc.tokens.make(Purpose.UNSUBSCRIBE, GONE[0])), "unsubscribe, not subscribed"
    )
    walk.visit(links.confirm(svc.tokens.make(Purpose.CONFIRM, PENDING[0])), "confirm")
    page.get_by_role("button").first.click()
    page.wait_for_load_state("networkidle")
    walk.check("confirmed")
    walk.visit(links.confirm(svc.tokens.make(Purpose.CONFIRM, GONE[0])), "confirm, not pending")
    walk.visit("/avsluta/inte-en-token", "bad link")
    walk.visit("/finns-inte", "not found")
    walk.visit("/app/logout", "error page (405)")
    view = links.view(svc.tokens.make(Purpose.VIEW, str(ids["sending"])))
    walk.visit(view, "newsletter in the browser")
    assert not walk.problems, "WCAG problems on the public pages:\n  " + walk.report()


def _html(message: object) -> str:
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def test_the_newsletter_and_every_system_mail_pass_axe(live_server: LiveServer, page: Page) -> None:
    ids = _seeded(live_server)
    svc = live_server.services
    mails: dict[str, str] = {}
    with svc.db.unit_of_work() as session:
        mails["newsletter"] = session.get_one(Newsletter, ids["sending"]).html or ""
    with svc.db.unit_of_work() as session:
        for kind in AnswerKind:
            answer = Answer(
                kind,
                to_address=f"{kind.value}@example.se",
                to_name="Vem Som",
                case_reference="KK-2026-0001",
                case_subject="Fråga",
            )
            svc.system_mailer.answer(session, answer)
    with svc.db.unit_of_work() as session:
        # Every kind of system mail as queued (the reply in a case came from the seed's answer).
        for kind_name, raw in session.execute(
            select(OutgoingMessage.kind, OutgoingMessage.raw).order_by(OutgoingMessage.id)
        ):
            mails[kind_name] = _html(message_from_bytes(raw, policy=default_policy))
    assert set(mails) == {
        "newsletter",
        "case_reply",
        "welcome",
        "confirm",
        "confirm_unsubscribe",
        "already_subscribed",
        "goodbye",
        "receipt",
    }
    # Staff notices: one event, and a daily summary with every section.
    item = {
        "kind": "new_case",
        "reference": "KK-2026-0001",
        "subject": "Fråga",
        "excerpt": "Hej!\nEn fråga om bidrag.",
        "url": f"{svc.settings.public_url}/app/arenden/KK-2026-0001",
        "assignee": "Sam",
        "follow_up_label": "i dag",
    }
    shared = {
        "org": svc.settings.org,
        "public_url": svc.settings.public_url,
        "recipient": {"email": "sam@kk.test"},
    }
    for template, context in (
        ("staff_notice", {"item": item}),
        (
            "staff_summary",
            {"summary_title": "3", "new_cases": [item], "new_messages": [item], "follow_ups": [item]},
        ),
    ):
        mails[template] = svc.renderer.render(f"system/{template}.mjml.j2", {**shared, **context}).html

    # Remote images would wait for a network the test has not got; the HTML is what is audited.
    page.route(re.compile(r"^https?://"), lambda route: route.abort())
    problems = []
    for name, html in mails.items():
        assert "Tillgänglighet" in html and "/tillganglighet" in html, name
        page.set_content(html, wait_until="domcontentloaded")
        problems += [f"{name}: {p}" for p in audit.axe_violations(page)]
    assert not problems, "WCAG problems in the mails:\n  " + "\n  ".join(problems)


def test_no_page_scrolls_sideways_at_320_px(
    live_server: LiveServer, new_context: Callable[..., BrowserContext]
) -> None:
    ids = _seeded(live_server)
    svc = live_server.services
    links = PublicLinks("")
    page = new_context(viewport=audit.PHONE_320).new_page()
    urls = [
        "/tillganglighet",
        "/avsluta",
        links.unsubscribe(svc.tokens.make(Purpose.UNSUBSCRIBE, "erik.sjoberg@musikhuset.example")),
        links.confirm(svc.tokens.make(Purpose.CONFIRM, PENDING[0])),
        "/finns-inte",
        "/app/login",
    ]
    for url in urls:
        page.goto(url)
        audit.assert_no_horizontal_scroll(page, url)
    login(page, ADA)
    inbound_ids = ids["inbound"]
    assert isinstance(inbound_ids, list)
    staff_urls = [
        "/app/",
        "/app/arenden",
        f"/app/arenden/{ids['reference']}",
        f"/app/arenden/{ids['answered']}",
        "/app/nyhetsbrev",
        "/app/nyhetsbrev/nytt",
        f"/app/nyhetsbrev/{ids['draft']}",
        f"/app/nyhetsbrev/{ids['draft']}/redigera",
        f"/app/nyhetsbrev/{ids['sending']}",
        "/app/prenumeranter",
        f"/app/prenumeranter/{ids['subscriber']}",
        "/app/prenumeranter/import",
        "/app/inkommande",
        *(f"/app/inkommande/{i}" for i in inbound_ids),
        "/app/rapporter",
        "/app/anvandare",
        "/app/konto",
    ]
    problems = []
    for url in staff_urls:
        page.goto(url)
        page.wait_for_load_state("networkidle")
        try:
            audit.assert_no_horizontal_scroll(page, url)
        except AssertionError as exc:
            problems.append(str(exc))
    # The phone menu: a button that says whether it is open, and the sections behind it.
    menu = page.locator("header summary")
    expect(menu).to_have_text("Meny")
    expect(page.locator("header").get_by_role("link", name="Ärenden", exact=True)).to_be_hidden()
    menu.click()
    expect(page.locator("header").get_by_role("link", name="Ärenden", exact=True)).to_be_visible()
    audit.assert_no_horizontal_scroll(page, "menu open")
    assert page.evaluate("document.querySelector('header details').open")
    assert not problems, "\n".join(problems)
