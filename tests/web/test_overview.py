"""Översikt: case counts, the newsletter's live progress, the list this month, the mailbox's health."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from cases import service as case_service
from cases import store as case_store
from cases.models import CaseStatus
from inbound.models import MailboxState
from inbound.sources.base import Item
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from mailer.campaign_models import Delivery
from mailer.newsletter_delivery import record_sent
from mailer.sent_journal import Accepted
from subscribers.tokens import Purpose
from tests.conftest import mail_bytes
from tests.integration.newsletter_helpers import add_subscribers, draft, start
from tests.integration.test_pipeline import make_mail

from .conftest import StaffClient

pytestmark = pytest.mark.integration


def feed(svc: Services, *raws: bytes) -> None:
    svc.pipeline.process([Item(raw=raw, source="test") for raw in raws])


def number(page: str, css_class: str) -> int:
    found = re.search(rf'class="[^"]*\b{css_class}\b[^"]*">(\d+)<', page)
    assert found, css_class
    return int(found.group(1))


def test_cases_list_and_quarantine_are_counted(staff_services: Services, staff: StaffClient) -> None:
    feed(
        staff_services,
        make_mail("Fråga om bidrag", sender="a@example.se", message_id="c1@x"),
        make_mail("Fråga om lokaler", sender="b@example.se", message_id="c2@x"),
        make_mail("Fråga om nätverk", sender="c@example.se", message_id="c3@x"),
        make_mail("Nyhetsbrev", sender="d@example.se", message_id="s1@x"),
        make_mail("Nyhetsbrev", sender="e@example.se", message_id="s2@x"),
        make_mail(  # from the List-Unsubscribe mailto: our signed token is the proof
            f"Avsluta {staff_services.tokens.make(Purpose.UNSUBSCRIBE, 'e@example.se')}",
            sender="e@example.se",
            message_id="u1@x",
        ),
        mail_bytes("quarantine__no_from.eml"),
    )
    with staff_services.db.unit_of_work() as session:
        [newest, *_] = session.scalars(case_store.list_query()).all()
        waiting = case_store.by_reference(session, newest.reference)
        case_service.set_status(waiting, CaseStatus.WAITING)
        waiting_ref = waiting.reference
    page = staff.get("/app/").text
    new_card = page[page.index("card-new-cases") : page.index("card-waiting-cases")]
    waiting_card = page[page.index("card-waiting-cases") : page.index("Nyhetsbrev</h2>")]
    assert number(new_card, "big-number") == 2 and number(waiting_card, "big-number") == 1
    assert f'href="/app/arenden/{waiting_ref}"' in waiting_card and waiting_ref not in new_card
    assert "Fråga om bidrag" in new_card and "Fråga om lokaler" in new_card
    assert number(page, "list-size") == 1  # d is active; e joined and left
    assert number(page, "changes-new") == 2 and number(page, "changes-unsubscribed") == 1
    assert number(page, "changes-bounced") == 0
    assert "1 meddelande i karantän" in page and 'href="/app/inkommande?route=quarantine"' in page


def test_newsletter_progress_fragment(staff_services: Services, staff: StaffClient) -> None:
    assert "Inget nyhetsbrev skickas" in staff.get("/app/oversikt/utskick").text
    add_subscribers(staff_services, 4)
    newsletter_id = draft(staff_services)
    start(staff_services, newsletter_id, force=True)
    page = staff.get("/app/").text
    assert 'hx-get="/app/oversikt/utskick"' in page and 'hx-trigger="every 5s"' in page
    fragment = staff.get("/app/oversikt/utskick")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert f'href="/app/nyhetsbrev/{newsletter_id}"' in fragment.text
    assert number(fragment.text, "sent") == 0 and number(fragment.text, "remaining") == 4
    with staff_services.db.engine.begin() as conn:  # the sender records three of them (and counts them)
        sent = conn.scalars(select(Delivery.id).limit(3)).all()
        record_sent(conn, newsletter_id, [Accepted(i, 1, f"{i}@kk.test", utcnow()) for i in sent])
    later = staff.get("/app/oversikt/utskick").text
    assert number(later, "sent") == 3 and number(later, "remaining") == 1 and "75 % klart" in later
    assert 'hx-trigger="every 5s"' in later  # the fragment keeps polling itself


def test_mailbox_health(staff_services: Services, staff: StaffClient) -> None:
    assert "Ingen hämtning av post har registrerats ännu" in staff.get("/app/").text
    now = utcnow()
    with staff_services.db.unit_of_work() as session:
        session.add(MailboxState(mailbox="imap:INBOX", last_success_at=now - timedelta(minutes=2)))
    page = staff.get("/app/").text
    assert "mailbox-ok" in page and "mailbox-warning" not in page
    with staff_services.db.unit_of_work() as session:
        state = session.get_one(MailboxState, "imap:INBOX")
        state.last_error, state.last_error_at = "LOGIN failed: AUTHENTICATIONFAILED", now
    page = staff.get("/app/").text
    assert "mailbox-warning" in page and "Senaste försöket att hämta post misslyckades" in page
    assert "LOGIN failed: AUTHENTICATIONFAILED" in page
    with staff_services.db.unit_of_work() as session:  # a success after the error, but long ago
        state = session.get_one(MailboxState, "imap:INBOX")
        state.last_error_at = now - timedelta(hours=6)
        state.last_success_at = now - timedelta(hours=5)
    page = staff.get("/app/").text
    assert "mailbox-warning" in page and "Ingen lyckad hämtning på 5 timmar" in page
