"""Export, erasure and retention of personal data, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from cases import replies
from cases.models import Case, CaseAttachment, CaseStatus, Contact
from cases.report_queries import case_report
from cases.reports import Period
from inbound.models import InboundMessage
from inbound.sources.base import Item
from kulturkluster import privacy
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from mailer.campaign_models import Delivery, Newsletter
from mailer.models import OutgoingMessage
from subscribers.models import ConsentEvent, Subscriber
from tests.conftest import mail_bytes, reply_parts
from tests.integration.newsletter_helpers import draft, start
from tests.integration.test_pipeline import make_mail, smtp_settings
from tests.servers.smtp import SmtpServer

Factory = Callable[..., Services]
ANNA = "anna@example.se"


def _setup(svc: Services) -> None:
    svc.pipeline.process(
        [
            Item(make_mail("Nyhetsbrev", sender=ANNA, message_id="p1@x"), "t"),
            Item(
                make_mail(
                    "Fråga om bidrag",
                    sender=ANNA,
                    message_id="p2@x",
                    body="Mitt telefonnummer är 070-1234567",
                ),
                "t",
            ),
            Item(make_mail("Annan fråga", sender="bo@example.se", message_id="p3@x"), "t"),
            Item(
                mail_bytes("new_case__attachment_rfc2231.eml").replace(
                    b"ingrid@forening.example", ANNA.encode()
                ),
                "t",
            ),
        ]
    )
    svc.flush_outbox()
    with svc.db.unit_of_work() as session:
        case = session.scalars(select(Case).where(Case.subject == "Fråga om bidrag")).one()
        replies.reply(
            reply_parts(svc), svc.outbox, session, case, "Hej Anna, ring oss gärna.", "elin", close=True
        )
        case.focus_area = "stöd"
    start(svc, draft(svc))  # a newsletter to the list


def test_export_has_everything_about_one_address(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    _setup(svc)
    with svc.db.unit_of_work() as session:
        data = privacy.export_person(session, "Anna@EXAMPLE.se")
    assert (
        data["subscriber"]["status"] == "active"
        and data["subscriber"]["consent_log"][0]["evidence_message_id"] == "p1@x"
    )
    assert sorted(c["subject"] for c in data["cases"]) == [
        "Ansökan om stöd till Kulturfrukost",
        "Fråga om bidrag",
    ]
    assert any("070-1234567" in m["text"] for c in data["cases"] for m in c["messages"])
    assert len(data["inbound_messages"]) == 3 and data["outgoing_messages"]
    assert [n["status"] for n in data["newsletters"]] == ["queued"]
    assert "bo@example.se" not in str(data)


def test_erase_removes_the_person_but_keeps_the_counts(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    _setup(svc)
    today = datetime.now(UTC).date()
    with svc.db.unit_of_work() as session:
        before = case_report(session, Period(today, today))
        sha = session.scalars(select(CaseAttachment.sha256)).one()
        assert sha is not None
    with svc.db.unit_of_work() as session:
        result = privacy.erase_person(session, ANNA, svc.attachments)
    assert result.subscriber_deleted and result.cases_anonymised == 2 and result.inbound_deleted == 1
    with svc.db.unit_of_work() as session:
        assert session.scalars(select(Newsletter.total)).one() == 1  # the campaign's numbers stay
    with svc.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Subscriber)) == 0
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
        assert session.scalar(select(func.count()).select_from(ConsentEvent)) == 0
        assert (
            session.scalar(
                select(func.count()).select_from(OutgoingMessage).where(OutgoingMessage.to_address == ANNA)
            )
            == 0
        )
        assert (
            session.scalar(
                select(func.count()).select_from(InboundMessage).where(InboundMessage.from_address == ANNA)
            )
            == 0
        )
        exported = privacy.export_person(session, ANNA)
        assert exported["subscriber"] is None and exported["cases"] == [] and exported["contact"] is None
        everything = " ".join(
            str(v)
            for c in session.scalars(select(Case))
            for v in (c.subject, *[(m.text, m.subject, m.from_address) for m in c.messages])
        )
        assert "070-1234567" not in everything
        assert ANNA not in everything
        assert "Hej Anna" not in everything
        assert "bo@example.se" in str(privacy.export_person(session, "bo@example.se"))  # others untouched
        after = case_report(session, Period(today, today))
        assert session.scalar(select(func.count()).select_from(Contact).where(Contact.email == ANNA)) == 0
    assert (
        after.months == before.months
        and after.close == before.close
        and after.first_response == before.first_response
    )
    assert not svc.attachments.path(sha).exists()


def test_retention_anonymises_only_old_closed_cases(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    _setup(svc)
    with svc.db.unit_of_work() as session:
        case = session.scalars(select(Case).where(Case.subject == "Fråga om bidrag")).one()
        case.closed_at = utcnow() - timedelta(days=400)
    with svc.db.unit_of_work() as session:
        assert privacy.apply_retention(session, 12, svc.attachments) == 1
        assert privacy.apply_retention(session, 12, svc.attachments) == 0
    with svc.db.unit_of_work() as session:
        old = session.scalars(select(Case).where(Case.status == CaseStatus.CLOSED)).one()
        assert old.subject == privacy.ERASED and old.anonymised_at and old.focus_area == "stöd"
        assert all(m.text == privacy.ERASED for m in old.messages)
        others = session.scalars(select(Case).where(Case.anonymised_at.is_(None))).all()
        assert len(others) == 2  # Anna's open case and Bo's
        assert session.scalars(
            select(Contact.email).where(Contact.email == ANNA)
        ).one()  # she has an open case
