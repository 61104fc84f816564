"""Forged complaints and bounces change nobody; reports about mail we sent change only its recipient.

An outsider can name any subscriber in ``Original-Rcpt-To`` or ``Final-Recipient``: only our token, our
VERP return path or one of our Message-IDs in the returned part ties a report to a real recipient.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from inbound.classify import Route
from inbound.sources.base import Item
from kulturkluster.wiring import Services
from subscribers import service
from subscribers.models import ConsentEvent, Status, Subscriber
from tests.integration.test_bounces import ANNA, dsn, sent_to, status, subscribe
from tests.integration.test_pipeline import smtp_settings
from tests.servers.smtp import SmtpServer

Factory = Callable[..., Services]
MEMBERS = [f"medlem{n}@example.se" for n in range(5)]


def arf(n: int, named: list[str], returned: str) -> bytes:
    rcpts = "".join(f"Original-Rcpt-To: <{a}>\r\n" for a in named)
    return (
        f"From: abuse@isp.example\r\nTo: kulturkluster@kulturkluster.test\r\nSubject: Complaint {n}\r\n"
        f"Message-ID: <arf{n}@isp>\r\n"
        "Content-Type: multipart/report; report-type=feedback-report; boundary=f\r\n\r\n"
        "--f\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        "--f\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nVersion: 1\r\n"
        f"{rcpts}--f\r\nContent-Type: message/rfc822\r\n\r\n{returned}\r\nSubject: Nyhetsbrev\r\n\r\nHej\r\n--f--\r\n"
    ).encode()


def statuses(svc: Services) -> dict[str, tuple[str, float]]:
    with svc.db.unit_of_work() as session:
        return {s.email: (s.status, s.bounce_score or 0.0) for s in session.scalars(select(Subscriber))}


def test_forged_complaints_and_bounces_change_nobody(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    for address in MEMBERS:
        subscribe(svc, address)
    before = statuses(svc)
    forged_headers = "From: kulturkluster@kulturkluster.test\r\nMessage-ID: <guessed@kulturkluster.test>"
    complaints = [Item(arf(n, MEMBERS, forged_headers), "t") for n in range(3)]
    bounces_ = [Item(dsn(100 + n, a, returned=forged_headers), "t") for a in MEMBERS for n in range(3)]
    outcomes = svc.pipeline.process(complaints + bounces_)
    assert {o.route for o in outcomes} == {Route.BOUNCE}  # still a bounce, stored and shown
    assert all("not tied to mail we sent" in o.reason for o in outcomes)
    assert statuses(svc) == before  # 15 forged bounces and 3 forged complaints: 0 subscribers changed


def test_a_report_changes_only_the_recipient_of_our_message(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    for address in [ANNA, *MEMBERS]:
        subscribe(svc, address)
    # Anna's real complaint about our welcome names the others too: only Anna is changed.
    [done] = svc.pipeline.process([Item(arf(1, [ANNA, *MEMBERS], sent_to(svc, ANNA)), "t")])
    assert "complained anna@example.se" in done.reason
    after = statuses(svc)
    assert after[ANNA][0] == Status.COMPLAINED
    assert {after[m][0] for m in MEMBERS} == {Status.ACTIVE}
    # A DSN quoting our message to medlem0 but naming medlem1 scores medlem0 only.
    svc.pipeline.process([Item(dsn(7, MEMBERS[1], returned=sent_to(svc, MEMBERS[0])), "t")])
    after = statuses(svc)
    assert (after[MEMBERS[0]], after[MEMBERS[1]]) == ((Status.ACTIVE, 1.0), (Status.ACTIVE, 0.0))


def test_disabled_address_is_logged_and_comes_back(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    subscribe(svc)
    for n in range(3):
        svc.pipeline.process([Item(dsn(n, ANNA, returned=sent_to(svc)), "t")])
        with svc.db.unit_of_work() as session:  # a day apart
            sub = session.scalars(select(Subscriber)).one()
            assert sub.last_bounce_at is not None
            sub.last_bounce_at -= timedelta(days=1)
    assert status(svc)[0] == Status.BOUNCED
    with svc.db.unit_of_work() as session:
        bounced = session.scalars(select(ConsentEvent).where(ConsentEvent.action == "bounced")).one()
        assert bounced.evidence_message_id == "dsn2@mx"
        assert "<dsn0@mx>" in (bounced.evidence or "") and "<dsn1@mx>" in (bounced.evidence or "")
    # The person asks for the newsletter again: the normal confirm policy (auto: unverified -> confirm).
    from tests.integration.test_pipeline import make_mail

    svc.pipeline.process([Item(make_mail("Nyhetsbrev", sender=ANNA, message_id="again@x"), "t")])
    with svc.db.unit_of_work() as session:
        again = service.get(session, ANNA)
        assert again is not None and again.status in {Status.PENDING, Status.ACTIVE}
        assert again.bounce_score == 0.0
