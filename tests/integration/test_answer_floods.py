"""Floods don't crowd out real people: confirmation requests have a cap of their own, and a receipt or
welcome held back by a cap is sent later, not dropped. Against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import select

from inbound.sources.base import Item
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from mailer.models import OutgoingMessage, OutgoingStatus
from tests.integration.test_pipeline import make_mail, smtp_settings
from tests.servers.smtp import SmtpServer

Factory = Callable[..., Services]


def outgoing(svc: Services) -> list[OutgoingMessage]:
    with svc.db.unit_of_work() as session:
        rows = list(session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))
        session.expunge_all()
        return rows


def test_a_signup_flood_never_costs_a_real_question_its_receipt(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(
        smtp=smtp_settings(smtp),
        subscribe={"confirm": "always"},
        auto_answers={"per_hour": 3, "confirm_per_hour": 5},
    )
    flood = [make_mail("Nyhetsbrev", sender=f"offer{n}@example.se", message_id=f"f{n}@x") for n in range(40)]
    question = make_mail("Fråga om bidrag till en utställning", sender="real@example.se", message_id="q@x")
    svc.pipeline.process([Item(raw, "t") for raw in [*flood, question]])
    svc.flush_outbox()
    rows = outgoing(svc)
    by_kind = Counter((r.kind, r.status) for r in rows)
    assert by_kind[("confirm", OutgoingStatus.SENT)] == 5
    assert by_kind[("confirm", OutgoingStatus.SUPPRESSED)] == 35
    assert [r.status for r in rows if r.to_address == "real@example.se"] == [OutgoingStatus.SENT]
    assert smtp.handler.messages_to("real@example.se")


def test_a_receipt_over_the_hourly_cap_waits_instead_of_being_dropped(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), auto_answers={"per_hour": 1})
    questions = [
        make_mail(f"Fråga nummer {n} om lokaler", sender=f"fragar{n}@example.se", message_id=f"q{n}@x")
        for n in range(3)
    ]
    svc.pipeline.process([Item(raw, "t") for raw in questions])
    svc.flush_outbox()
    rows = [r for r in outgoing(svc) if r.kind == "receipt"]
    assert [r.status for r in rows] == [OutgoingStatus.SENT, OutgoingStatus.QUEUED, OutgoingStatus.QUEUED]
    assert all(r.next_attempt_at > utcnow() for r in rows[1:])
    assert "sent later" in (rows[1].last_error or "")
    assert OutgoingStatus.SUPPRESSED not in {r.status for r in outgoing(svc)}


def test_a_rude_autoresponder_opens_at_most_a_few_cases_a_day(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    from cases.models import Case, CaseMessage

    svc = services_factory(smtp=smtp_settings(smtp))
    rude = [
        make_mail(
            f"Ärende {n}: vi har tagit emot ditt mejl", sender="robot@kommun.example", message_id=f"r{n}@x"
        )
        for n in range(8)
    ]
    svc.pipeline.process([Item(raw, "t") for raw in rude[:4]])
    svc.pipeline.process([Item(raw, "t") for raw in rude[4:]])
    with svc.db.unit_of_work() as session:
        cases = session.scalars(select(Case)).all()
        assert len(cases) == 3
        messages = session.scalars(select(CaseMessage)).all()
        assert len(messages) == 8
    assert len([r for r in outgoing(svc) if r.kind == "receipt"]) == 3
