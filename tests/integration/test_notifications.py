"""Staff notices through the real pipeline, the outbox and a real SMTP server, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from email.message import Message

import pytest
from sqlalchemy import func, select, update

from cases.models import Case
from cases.notice_models import StaffNotice
from inbound.classify import Route
from inbound.sources.base import Item
from kulturkluster import accounts
from kulturkluster.accounts import Role, StaffUser
from kulturkluster.answers import OUR_MARKER_HEADER, OUR_SEAL_HEADER
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from tests.conftest import ORG_ADDRESS
from tests.integration.test_pipeline import make_mail, smtp_settings
from tests.servers.smtp import SmtpServer

pytestmark = pytest.mark.integration
Factory = Callable[..., Services]
PUBLIC = "https://kk.example.se"
ELIN, MAJA, OLLE = "elin@kulturkluster.test", "maja@kulturkluster.test", "olle@kulturkluster.test"


def _staff(svc: Services) -> None:
    with svc.db.unit_of_work() as session:
        for username, email, mode in (
            ("elin", ELIN, "every"),
            ("maja", MAJA, "daily"),
            ("olle", OLLE, "none"),
            ("delad", ORG_ADDRESS, "every"),  # an account whose address is the shared mailbox itself
            ("utan", "", "every"),
        ):
            user = accounts.add(session, username, "ett långt lösenord", role=Role.STAFF, email=email)
            user.notify_mode = mode
        gone = accounts.add(session, "borta", "ett långt lösenord", role=Role.STAFF, email="borta@example.se")
        gone.active = False


def _service(services_factory: Factory, smtp: SmtpServer) -> Services:
    svc = services_factory(smtp=smtp_settings(smtp), public_url=PUBLIC)
    _staff(svc)
    return svc


def _arrive(svc: Services, *raws: bytes) -> list[Route]:
    """As the inbound runner does: a batch, then (after its commit) notices and the outbox."""
    outcomes = svc.pipeline.process([Item(raw=raw, source="test") for raw in raws])
    svc.send_queued()
    return [o.route for o in outcomes]


def _to(smtp: SmtpServer, address: str) -> list[Message]:
    """The staff notices and summaries ``address`` got (not receipts)."""
    messages = [r.message for r in smtp.handler.messages_to(address)]
    return [m for m in messages if m[OUR_MARKER_HEADER] in ("staff_notice", "staff_summary")]


def _body(message: Message) -> str:
    parts = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    return str(parts[0].get_payload(decode=True).decode("utf-8"))  # type: ignore[union-attr]


def _reference(svc: Services) -> str:
    with svc.db.unit_of_work() as session:
        return str(session.scalar(select(Case.reference).order_by(Case.id.desc()).limit(1)))


def _notices(svc: Services) -> int:
    with svc.db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(StaffNotice)) or 0


def test_a_new_case_and_a_reply_notify_who_wants_every_event(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = _service(services_factory, smtp)
    question = make_mail("Bidrag till turné", body="Hej!\nVi söker bidrag för en turné i Flen.\n\n> gammalt")
    assert _arrive(svc, question) == [Route.NEW_CASE]
    reference = _reference(svc)

    [notice] = _to(smtp, ELIN)
    assert notice["Subject"] == f"Nytt ärende {reference}: Bidrag till turné"
    body = _body(notice)
    assert "Vi söker bidrag för en turné i Flen." in body and "gammalt" not in body
    assert f"{PUBLIC}/app/arenden/{reference}" in body
    assert notice[OUR_MARKER_HEADER] == "staff_notice" and notice[OUR_SEAL_HEADER]
    assert notice["Auto-Submitted"]
    # daily waits for the summary; none, disabled, no address, and the shared mailbox get nothing
    for address in (MAJA, OLLE, ORG_ADDRESS, "borta@example.se"):
        assert _to(smtp, address) == []

    reply = make_mail(
        f"Re: [{reference}] Bidrag till turné",
        message_id="m2@example.se",
        body="Här kommer budgeten.",
        headers={"In-Reply-To": "<m1@example.se>"},
    )
    assert _arrive(svc, reply) == [Route.CASE_REPLY]
    assert [str(m["Subject"]) for m in _to(smtp, ELIN)][1] == (
        f"Nytt meddelande i ärende {reference}: Bidrag till turné"
    )
    assert "Här kommer budgeten." in _body(_to(smtp, ELIN)[1])


def test_a_notification_that_comes_back_is_our_own_mail(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = _service(services_factory, smtp)
    _arrive(svc, make_mail("En fråga"))
    [notice] = [r.data for r in smtp.handler.received if ELIN in r.recipients]
    before = _notices(svc)
    with svc.db.unit_of_work() as session:
        cases_before = session.scalar(select(func.count()).select_from(Case))

    assert _arrive(svc, notice) == [Route.AUTO_REPLY]

    with svc.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == cases_before
    assert _notices(svc) == before
    assert len(_to(smtp, ELIN)) == 1


def test_a_staff_members_own_mail_that_answers_nobody_tells_nobody(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    """Staff mail that threads into no case is filed as automatic mail (``inbound.staff_mail``): no case,
    so no notice to anyone (own actions in a case: ``test_a_case_added_by_hand_names_its_author``)."""
    svc = _service(services_factory, smtp)
    _arrive(svc, make_mail("Noteringar från mötet", sender=ELIN, message_id="own@kulturkluster.test"))
    assert _to(smtp, ELIN) == []
    with svc.db.unit_of_work() as session:
        assert session.scalars(select(StaffNotice)).all() == []


def test_a_case_added_by_hand_names_its_author(services_factory: Factory, smtp: SmtpServer) -> None:
    from cases import notices, service

    svc = _service(services_factory, smtp)
    with svc.sending(), svc.db.unit_of_work() as session:
        notices.acting_as(session, "maja")
        service.open_case(session, "kalle@example.se", "Kalle", "Telefonsamtal", utcnow())
    with svc.db.unit_of_work() as session:
        told = session.scalars(
            select(StaffUser.username).join(StaffNotice, StaffNotice.user_id == StaffUser.id)
        )
        names = set(told)
        assert "maja" not in names and "elin" in names
    assert len(_to(smtp, ELIN)) == 1
    # The staff app wraps each request in ``acting``: a case made there names its author too.
    with notices.acting("elin"), svc.sending(), svc.db.unit_of_work() as session:
        service.open_case(session, "lisa@example.se", "Lisa", "Besök på kontoret", utcnow())
    assert len(_to(smtp, ELIN)) == 1
    with svc.db.unit_of_work() as session:
        counted = session.scalar(
            select(func.count())
            .select_from(StaffNotice)
            .join(StaffUser, StaffUser.id == StaffNotice.user_id)
            .where(StaffUser.username == "maja")
        )
        assert counted == 1


def _at(day: date, hh: int, mm: int = 0) -> datetime:
    """A Stockholm wall-clock time in winter (UTC+1) as UTC."""
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=UTC) - timedelta(hours=1)


def test_the_daily_summary_goes_once_at_the_chosen_time(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = _service(services_factory, smtp)
    _arrive(svc, make_mail("Första frågan"), make_mail("Andra frågan", message_id="m2@example.se"))
    assert _to(smtp, MAJA) == []
    day = date(2026, 12, 3)
    with svc.db.unit_of_work() as session:
        assert svc.notifier.run_due(session, _at(day, 7, 59)).summaries == 0
    with svc.db.unit_of_work() as session:
        assert svc.notifier.run_due(session, _at(day, 8, 0)).summaries == 1
    svc.flush_outbox()
    [summary] = _to(smtp, MAJA)
    assert summary["Subject"] == "Dagens sammanfattning: 2 nya ärenden"
    assert "Första frågan" in _body(summary) and "Andra frågan" in _body(summary)

    again = services_factory(smtp=smtp_settings(smtp), public_url=PUBLIC)  # a restart
    with again.db.unit_of_work() as session:
        assert again.notifier.run_due(session, _at(day, 8, 5)).summaries == 0
        assert again.notifier.run_due(session, _at(day, 23, 0)).summaries == 0
    _arrive(again, make_mail("Tredje frågan", message_id="m3@example.se"))
    with again.db.unit_of_work() as session:
        assert again.notifier.run_due(session, _at(day + timedelta(days=1), 8, 1)).summaries == 1
    again.flush_outbox()
    assert [str(m["Subject"]) for m in _to(smtp, MAJA)][1] == "Dagens sammanfattning: 1 nytt ärende"


def test_follow_up_reminds_the_assignee_or_everyone(services_factory: Factory, smtp: SmtpServer) -> None:
    from cases import follow_up

    svc = _service(services_factory, smtp)
    _arrive(svc, make_mail("Tilldelad"), make_mail("Ingen tilldelad", message_id="m2@example.se"))
    day = date(2026, 12, 3)
    with svc.db.unit_of_work() as session:
        mine, nobodys = session.scalars(select(Case).order_by(Case.id)).all()
        mine.assignee = "elin"
        follow_up.set_follow_up(mine, day)
        follow_up.set_follow_up(nobodys, day)
        session.execute(update(StaffNotice).values(sent_at=utcnow()))
    smtp.reset()
    with svc.db.unit_of_work() as session:
        assert svc.notifier.run_due(session, _at(day - timedelta(days=1), 12)).reminders == 0
        assert svc.notifier.run_due(session, _at(day, 7)).reminders == 0
        result = svc.notifier.run_due(session, _at(day, 8))
        assert result.reminders == 3  # elin: both; maja: the unassigned one
        assert svc.notifier.run_due(session, _at(day, 9)).reminders == 0  # once
    svc.flush_outbox()
    assert sorted(str(m["Subject"]).split(":")[0] for m in _to(smtp, ELIN)) == [
        f"Följ upp ärende {mine.reference}",
        f"Följ upp ärende {nobodys.reference}",
    ]
    [summary] = _to(smtp, MAJA)
    assert summary["Subject"] == "Dagens sammanfattning: 1 att följa upp"
    assert nobodys.reference in _body(summary) and mine.reference not in _body(summary)


def test_notices_are_part_of_the_transaction(services_factory: Factory, smtp: SmtpServer) -> None:
    from cases import service

    svc = _service(services_factory, smtp)
    # Rolled back: neither the case nor its notices.
    with pytest.raises(RuntimeError), svc.db.unit_of_work() as session:
        service.open_case(session, "kalle@example.se", "Kalle", "Återkallat", utcnow())
        session.flush()
        raise RuntimeError("the request failed")
    assert _notices(svc) == 0
    # Committed, then the process stops before it mails them: the next round of serve does.
    svc.pipeline.process([Item(raw=make_mail("Krasch efter commit"), source="test")])
    assert _notices(svc) > 0 and _to(smtp, ELIN) == []
    again = services_factory(smtp=smtp_settings(smtp), public_url=PUBLIC)
    again.scheduled_round()
    [notice] = _to(smtp, ELIN)
    assert "Krasch efter commit" in str(notice["Subject"])
    again.scheduled_round()
    assert len(_to(smtp, ELIN)) == 1


def test_a_notice_left_waiting_is_dropped_when_its_person_chose_none(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = _service(services_factory, smtp)
    svc.pipeline.process([Item(raw=make_mail("Innan hon ändrade sig"), source="test")])
    with svc.db.unit_of_work() as session:
        accounts.get(session, "elin").notify_mode = "none"
    svc.scheduled_round()
    assert _to(smtp, ELIN) == []
    with svc.db.unit_of_work() as session:
        elin = accounts.get(session, "elin")
        elin.notify_mode = "every"
        waiting = session.scalar(
            select(func.count()).where(StaffNotice.user_id == elin.id, StaffNotice.sent_at.is_(None))
        )
        assert waiting == 0
    svc.scheduled_round()
    assert _to(smtp, ELIN) == []  # no flood of old news when she turns notices back on
