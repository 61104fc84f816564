"""Replies staff send from their own mail program reach the case as theirs, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import formatdate

import pytest
from sqlalchemy import select

from cases import store as case_store
from cases.models import Case, CaseStatus, Direction
from inbound.classify import Route
from inbound.models import InboundMessage
from inbound.sources.base import Item
from kulturkluster import accounts
from kulturkluster.accounts import Role
from kulturkluster.wiring import Services
from tests.conftest import ORG_ADDRESS
from tests.integration.test_pipeline import make_mail, smtp_settings
from tests.servers.smtp import SmtpServer

Factory = Callable[..., Services]
ACTOR = "gunilla@teater.example"
STAFF = "Elin.Berg@Kulturkluster.example"


def run(svc: Services, *raws: bytes) -> list[tuple[Route, str]]:
    outcomes = svc.pipeline.process([Item(raw=raw, source="test") for raw in raws])
    svc.flush_outbox()
    return [(o.route, o.reason) for o in outcomes]


def outlook_mail(
    subject: str,
    *,
    sender: str,
    to: str,
    cc: str = ORG_ADDRESS,
    message_id: str,
    headers: dict[str, str] | None = None,
    name: str = "Elin Berg",
) -> bytes:
    lines = [
        f"From: {name} <{sender}>",
        f"To: {to}",
        f"Cc: {cc}",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}>",
        f"Date: {formatdate(time.time() + 60, localtime=True)}",  # a clock ahead: the reply is dated now
        *(f"{key}: {value}" for key, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\nHej Gunilla, så här gör du.\r\n").encode()


@pytest.fixture
def svc(services_factory: Factory, smtp: SmtpServer) -> Services:
    services = services_factory(smtp=smtp_settings(smtp))
    with services.db.unit_of_work() as session:
        accounts.add(session, "elin", "ett långt lösenord", role=Role.STAFF, name="Elin Berg", email=STAFF)
        accounts.add(
            session, "olle", "ett långt lösenord", role=Role.STAFF, email="olle@kulturkluster.example"
        )
        accounts.set_active(session, accounts.get(session, "olle"), False)
    return services


def open_case(svc: Services) -> str:
    [(route, _)] = run(svc, make_mail("Hur söker man checkarna?", sender=ACTOR, message_id="q1@teater"))
    assert route is Route.NEW_CASE
    with svc.db.unit_of_work() as session:
        return session.scalars(select(Case.reference)).one()


def thread(svc: Services, reference: str) -> list[tuple[str, str | None]]:
    with svc.db.unit_of_work() as session:
        return [(m.direction, m.author) for m in case_store.by_reference(session, reference).messages]


def test_a_reply_from_outlook_with_the_shared_mailbox_in_cc_is_the_staff_members(
    svc: Services, smtp: SmtpServer
) -> None:
    reference = open_case(svc)
    receipts = len(smtp.handler.received)
    reply = outlook_mail(
        "SV: Hur söker man checarna?",
        sender=STAFF.lower(),
        to=f"Gunilla <{ACTOR.upper()}>",
        message_id="elin-1@outlook",
        headers={"In-Reply-To": "<q1@teater>"},
    )
    [(route, reason)] = run(svc, reply)
    assert route is Route.CASE_REPLY and reference in reason
    assert thread(svc, reference) == [(Direction.IN, None), (Direction.OUT, "elin")]
    with svc.db.unit_of_work() as session:
        case = case_store.by_reference(session, reference)
        assert case.status == CaseStatus.WAITING
        assert case.first_response_at is not None
        assert len(session.scalars(select(Case)).all()) == 1  # no new case
    assert len(smtp.handler.received) == receipts  # no receipt to the staff member
    # The same mail delivered again (the copy and a forward of it) is not recorded twice.
    assert run(svc, reply)[0][0] is Route.CASE_REPLY
    assert len(thread(svc, reference)) == 2
    # The requester's answer to it joins the case as an incoming message.
    answer = make_mail(
        "SV: SV: Hur", sender=ACTOR, message_id="q2@teater", headers={"In-Reply-To": "<elin-1@outlook>"}
    )
    assert run(svc, answer)[0][0] is Route.CASE_REPLY
    assert thread(svc, reference)[-1] == (Direction.IN, None)


def test_the_case_tag_alone_threads_a_staff_reply(svc: Services) -> None:
    reference = open_case(svc)
    reply = outlook_mail(f"Angående [{reference}]", sender=STAFF, to=ACTOR, message_id="elin-2@outlook")
    assert run(svc, reply)[0][0] is Route.CASE_REPLY
    assert thread(svc, reference)[-1] == (Direction.OUT, "elin")


@pytest.mark.parametrize(
    ("sender", "to", "headers"),
    [
        # to a colleague only, in the case's thread
        (STAFF, "olle@kulturkluster.example", {"In-Reply-To": "<q1@teater>"}),
        # a new question forwarded to the shared mailbox
        (STAFF, ORG_ADDRESS, {}),
    ],
)
def test_staff_mail_that_answers_no_requester_opens_no_case(
    svc: Services, smtp: SmtpServer, sender: str, to: str, headers: dict[str, str]
) -> None:
    reference = open_case(svc)
    sent = len(smtp.handler.received)
    [(route, reason)] = run(
        svc, outlook_mail("VB: fråga", sender=sender, to=to, message_id="x@o", headers=headers)
    )
    assert route is Route.AUTO_REPLY and "staff" in reason
    assert len(thread(svc, reference)) == 1
    assert len(smtp.handler.received) == sent
    with svc.db.unit_of_work() as session:
        assert session.scalars(
            select(InboundMessage.rule).where(InboundMessage.message_id == "x@o")
        ).one() == ("staff_mail")


def test_staff_may_still_sign_up_and_their_out_of_office_is_automatic(svc: Services) -> None:
    assert run(svc, outlook_mail("Prenumerera", sender=STAFF, to=ORG_ADDRESS, message_id="p@o"))[0][0] is (
        Route.SUBSCRIBE
    )
    ooo = outlook_mail(
        "Frånvaro: fråga",
        sender=STAFF,
        to=ORG_ADDRESS,
        message_id="ooo@o",
        headers={"Auto-Submitted": "auto-replied"},
    )
    [(route, reason)] = run(svc, ooo)
    assert route is Route.AUTO_REPLY and "staff" not in reason


def test_an_inactive_account_is_not_staff(svc: Services) -> None:
    reference = open_case(svc)
    mail = outlook_mail(
        "SV: fråga",
        sender="olle@kulturkluster.example",
        to=ACTOR,
        message_id="o1@o",
        headers={"In-Reply-To": "<q1@teater>"},
    )
    assert run(svc, mail)[0][0] is Route.CASE_REPLY
    assert thread(svc, reference)[-1] == (Direction.IN, None)


def test_sent_as_the_shared_mailbox_into_the_inbox_is_a_reply_not_an_automatic_one(svc: Services) -> None:
    reference = open_case(svc)
    mail = outlook_mail(
        "SV: Hur söker man checkarna?",
        sender=ORG_ADDRESS,
        name="Kulturkluster Sörmland",
        to=ACTOR,
        cc=ORG_ADDRESS,
        message_id="shared-1@outlook",
        headers={"In-Reply-To": "<q1@teater>"},
    )
    assert run(svc, mail)[0][0] is Route.CASE_REPLY
    assert thread(svc, reference)[-1] == (Direction.OUT, "Kulturkluster Sörmland")
    # Not to the requester: still filed as our own mail, as before.
    note = outlook_mail("Påminnelse", sender=ORG_ADDRESS, to=ORG_ADDRESS, message_id="shared-2@outlook")
    assert run(svc, note)[0][0] is Route.AUTO_REPLY
