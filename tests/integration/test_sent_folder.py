"""Replies sent as the shared mailbox from Outlook, read from its Sent folder on the real Dovecot server,
on SQLite and PostgreSQL: recorded once, our own replies never twice, nothing in Sent moved or stored."""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import formatdate

import pytest
from sqlalchemy import delete, func, select

from cases import operations as case_ops
from cases import replies
from cases import store as case_store
from cases.models import Case, CaseStatus, Direction
from inbound.classify import Route
from inbound.models import InboundMessage, SentFolderState
from kulturkluster import accounts
from kulturkluster.accounts import Role
from kulturkluster.wiring import Services
from tests.conftest import ORG_ADDRESS, reply_parts
from tests.integration.imap_helpers import append, folder_counts, imap_overrides
from tests.integration.test_imap import drain_once
from tests.integration.test_pipeline import make_mail
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import SmtpServer

Factory = Callable[..., Services]
ACTOR = "gunilla@teater.example"


def sent_mail(
    subject: str, *, message_id: str, to: str = ACTOR, headers: dict[str, str] | None = None, name: str = ""
) -> bytes:
    lines = [
        f"From: {name or 'Kulturkluster Sörmland'} <{ORG_ADDRESS}>",
        f"To: {to}",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}>",
        f"Date: {formatdate(time.time() + 60)}",  # a clock a little ahead: the reply is dated now
        "Content-Type: text/plain; charset=utf-8",
        *(f"{key}: {value}" for key, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\nHej Gunilla, skickat som brevlådan.\r\n").encode()


def make_sent_folder(dovecot: DovecotServer, name: str = "Sent") -> None:
    client = dovecot.client()
    try:
        client.create_folder(name)
    finally:
        client.logout()


def thread(svc: Services, reference: str) -> list[tuple[str, str | None]]:
    with svc.db.unit_of_work() as session:
        return [(m.direction, m.author) for m in case_store.by_reference(session, reference).messages]


@pytest.fixture
def svc(services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer) -> Services:
    services = services_factory(**imap_overrides(dovecot, smtp))
    with services.db.unit_of_work() as session:
        accounts.add(
            session, "elin", "ett långt lösenord", role=Role.STAFF, name="Elin Berg", email="elin@kk.test"
        )
    return services


def open_case(svc: Services, dovecot: DovecotServer) -> str:
    append(dovecot, make_mail("Hur söker man checkarna?", sender=ACTOR, message_id="q1@teater"))
    drain_once(svc)
    with svc.db.unit_of_work() as session:
        return session.scalars(select(Case.reference)).one()


def test_replies_in_sent_are_recorded_once_and_ours_are_not_doubled(
    svc: Services, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    make_sent_folder(dovecot)
    reference = open_case(svc, dovecot)
    # The app answers; Microsoft 365 keeps a copy of what the app sent in Sent.
    with svc.db.unit_of_work() as session:
        case = case_ops.find(session, reference)
        replies.reply(reply_parts(svc), svc.outbox, session, case, "Hej!\n\nSå här gör du.", "elin")
    svc.flush_outbox()
    app_copy = smtp.handler.messages_to(ACTOR)[-1].data
    append(
        dovecot,
        app_copy,
        sent_mail(
            "SV: Hur söker man checkarna?", message_id="out-1@outlook", headers={"In-Reply-To": "<q1@teater>"}
        ),
        sent_mail(f"[{reference}] En sak till", message_id="out-2@outlook"),  # only the tag
        sent_mail("Lunch?", message_id="out-3@outlook", to="olle@annat.example"),  # no case
        sent_mail(
            "SV: Hur",
            message_id="out-4@outlook",
            to="olle@annat.example",
            headers={"In-Reply-To": "<q1@teater>"},
        ),
        folder="Sent",
    )
    drain_once(svc)
    assert thread(svc, reference) == [
        (Direction.IN, None),
        (Direction.OUT, "elin"),
        (Direction.OUT, "Kulturkluster Sörmland"),
        (Direction.OUT, "Kulturkluster Sörmland"),
    ]
    with svc.db.unit_of_work() as session:
        case = case_store.by_reference(session, reference)
        assert case.status == CaseStatus.WAITING and case.first_response_at is not None
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1  # Sent is not stored
        assert session.scalars(select(SentFolderState.folder)).one() == "Sent"
    assert folder_counts(dovecot)["Sent"] == 5  # read, never moved
    # Read again: nothing new. Forget where the reading got to (a renumbered folder): still nothing twice.
    drain_once(svc)
    with svc.db.unit_of_work() as session:
        session.execute(delete(SentFolderState))
    drain_once(svc)
    assert len(thread(svc, reference)) == 4
    # Sent as the mailbox with the mailbox in Cc: the inbox copy of a recorded reply adds nothing either.
    append(
        dovecot,
        sent_mail(
            "SV: Hur söker man checkarna?",
            message_id="out-1@outlook",
            headers={"In-Reply-To": "<q1@teater>", "Cc": ORG_ADDRESS},
        ),
    )
    assert dict(drain_once(svc).routes) == {Route.AUTO_REPLY.value: 1}
    assert len(thread(svc, reference)) == 4


def test_later_mail_in_sent_is_read_in_later_rounds_and_a_named_folder_is_used(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    overrides = imap_overrides(dovecot, smtp)
    overrides["imap"] |= {"sent_folder": "Skickat"}  # a folder without the \Sent mark, named in the settings
    svc = services_factory(**overrides)
    make_sent_folder(dovecot, "Skickat")
    reference = open_case(svc, dovecot)
    append(
        dovecot,
        sent_mail("SV: fråga", message_id="s1@o", headers={"In-Reply-To": "<q1@teater>"}),
        folder="Skickat",
    )
    drain_once(svc)
    append(
        dovecot,
        sent_mail("SV: fråga igen", message_id="s2@o", headers={"In-Reply-To": "<q1@teater>"}),
        folder="Skickat",
    )
    drain_once(svc)
    assert [a for _d, a in thread(svc, reference)] == [
        None,
        "Kulturkluster Sörmland",
        "Kulturkluster Sörmland",
    ]


def test_a_mailbox_without_a_sent_folder_still_has_its_inbox_read(
    svc: Services, dovecot: DovecotServer
) -> None:
    reference = open_case(svc, dovecot)  # no Sent folder: the inbox round goes on
    assert len(thread(svc, reference)) == 1
