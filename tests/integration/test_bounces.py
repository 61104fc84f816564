"""Bounces and complaints change the list, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from inbound.classify import Route
from inbound.sources.base import Item
from kulturkluster.wiring import Services
from mailer.models import OutgoingMessage
from subscribers import service
from subscribers.models import ConsentEvent, Status, Subscriber
from tests.integration.test_pipeline import make_mail, smtp_settings
from tests.servers.smtp import SmtpServer

Factory = Callable[..., Services]
ANNA = "anna@example.se"


def dsn(n: int, recipient: str, status: str = "5.1.1", action: str = "failed", returned: str = "") -> bytes:
    return (
        "Return-Path: <>\r\nFrom: Mail Delivery System <MAILER-DAEMON@mx.example.se>\r\n"
        f"To: kulturkluster@kulturkluster.test\r\nSubject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn{n}@mx>\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        "--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed.\r\n"
        "--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.se\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"--r\r\nContent-Type: text/rfc822-headers\r\n\r\n{returned or 'Subject: x'}\r\n--r--\r\n"
    ).encode()


def subscribe(svc: Services, address: str = ANNA) -> None:
    svc.pipeline.process([Item(make_mail("Nyhetsbrev", sender=address, message_id=f"s-{address}"), "t")])


def sent_to(svc: Services, address: str = ANNA) -> str:
    """The returned headers of the last message we sent to ``address`` (a real report quotes them)."""
    with svc.db.unit_of_work() as session:
        mid = session.scalars(
            select(OutgoingMessage.message_id)
            .where(OutgoingMessage.to_address == address)
            .order_by(OutgoingMessage.id.desc())
        ).first()
    assert mid is not None
    return f"From: kulturkluster@kulturkluster.test\r\nTo: {address}\r\nMessage-ID: <{mid}>"


def status(svc: Services, address: str = ANNA) -> tuple[str, float]:
    with svc.db.unit_of_work() as session:
        sub = service.get(session, address)
        assert sub is not None
        return sub.status, sub.bounce_score


def test_three_permanent_bounces_disable_the_address(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    subscribe(svc)
    for n in range(2):
        returned = sent_to(svc)
        assert [o.route for o in svc.pipeline.process([Item(dsn(n, ANNA, returned=returned), "t")])] == [
            Route.BOUNCE
        ]
        with svc.db.unit_of_work() as session:  # a day apart
            sub = session.scalars(select(Subscriber)).one()
            assert sub.last_bounce_at is not None
            sub.last_bounce_at -= timedelta(days=1)
    assert status(svc) == (Status.ACTIVE, 2.0)
    svc.pipeline.process([Item(dsn(3, ANNA, returned=sent_to(svc)), "t")])
    assert status(svc) == (Status.BOUNCED, 3.0)
    with svc.db.unit_of_work() as session:
        actions = [e.action for e in session.scalars(select(ConsentEvent).order_by(ConsentEvent.id))]
    assert actions == ["subscribed", "bounce_scored", "bounce_scored", "bounced"]


def test_delay_warnings_count_half_once_a_day(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    subscribe(svc)
    returned = sent_to(svc)
    svc.pipeline.process([Item(dsn(n, ANNA, "4.4.7", "delayed", returned), "t") for n in range(3)])
    assert status(svc) == (Status.ACTIVE, 0.5)


def test_a_bounce_for_someone_not_on_the_list_changes_nothing(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    subscribe(svc)
    assert [o.route for o in svc.pipeline.process([Item(dsn(1, "stranger@else.example"), "t")])] == [
        Route.BOUNCE
    ]
    assert status(svc) == (Status.ACTIVE, 0.0)
    assert smtp.handler.messages_to("stranger@else.example") == []


def test_our_token_in_the_returned_message_names_the_address(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    from subscribers.tokens import Purpose

    svc = services_factory(smtp=smtp_settings(smtp), subscribe={"confirm": "always"})
    subscribe(svc)
    token = svc.tokens.make(Purpose.CONFIRM, ANNA)
    returned = f"From: kulturkluster@kulturkluster.test\r\nMessage-ID: <{token}@kulturkluster.test>"
    # The remote server names a forwarding address we never wrote to; our token says who it was.
    svc.pipeline.process([Item(dsn(1, "anna.forward@elsewhere.example", returned=returned), "t")])
    assert status(svc) == (Status.PENDING, 1.0)


def test_a_spam_complaint_unsubscribes_at_once(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    subscribe(svc)
    arf = (
        "From: staff@abuse.example\r\nTo: kulturkluster@kulturkluster.test\r\nSubject: Complaint\r\nMessage-ID: <arf1@abuse>\r\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=f\r\n\r\n"
        "--f\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        "--f\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: JMRP/1.0\r\nVersion: 1\r\n"
        f"Original-Rcpt-To: <{ANNA}>\r\n"
        f"--f\r\nContent-Type: message/rfc822\r\n\r\n{sent_to(svc)}\r\n"
        "Subject: Nyhetsbrev november\r\n\r\nHej\r\n--f--\r\n"
    ).encode()
    [outcome] = svc.pipeline.process([Item(arf, "t")])
    assert (outcome.route, "spam complaint" in outcome.reason) == (Route.BOUNCE, True)
    assert status(svc)[0] == Status.COMPLAINED
    svc.flush_outbox()
    assert [r.message["Subject"].split()[0] for r in smtp.handler.received] == ["Välkommen"]  # no goodbye


def test_the_verp_return_path_names_the_subscriber(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), mailer={"verp": True})
    subscribe(svc)
    with svc.db.unit_of_work() as session:
        sub = service.get(session, ANNA)
        assert sub is not None
        verp = svc.return_paths.make(sub.id)

    def to_verp(n: int, body: str, extra: str = "", address: str = verp) -> bytes:
        return (
            f"Return-Path: <>\r\nFrom: Leveranssystem <system@mx.example.se>\r\nTo: {address}\r\n"
            f"Subject: Meddelande {n}\r\nMessage-ID: <verp{n}@mx>\r\n{extra}"
            f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
        ).encode()

    # A report no detector understands, naming a forwarding address we never wrote to
    [odd] = svc.pipeline.process(
        [Item(to_verp(1, "Kunde inte leverera till anna.forward@elsewhere.example"), "t")]
    )
    assert odd.route == Route.BOUNCE and "return path" in odd.reason
    assert status(svc) == (Status.ACTIVE, 1.0)
    # An out-of-office reply sent to the return path is still only an automatic reply
    [away] = svc.pipeline.process(
        [Item(to_verp(2, "Jag är ledig.", "Auto-Submitted: auto-replied\r\n"), "t")]
    )
    assert away.route == Route.AUTO_REPLY and status(svc) == (Status.ACTIVE, 1.0)
    # A forged return path names nobody
    forged = verp.replace(f"+b{sub.id}-", f"+b{sub.id + 1}-")
    [fake] = svc.pipeline.process([Item(to_verp(3, "Hej", address=forged), "t")])
    assert "return path" not in fake.reason and status(svc) == (Status.ACTIVE, 1.0)
