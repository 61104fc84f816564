"""The batch sender against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import subprocess
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlparse

import dkim
import pytest
from sqlalchemy import select, update

from kulturkluster.answers import Answer, AnswerKind
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from mailer import campaign_runs, campaigns
from mailer.campaign_models import Delivery, DeliveryStatus, Newsletter, NewsletterStatus
from mailer.progress import progress
from subscribers import service
from subscribers.models import Channel, ConsentEvent, Status, Subscriber
from subscribers.service import Evidence
from subscribers.tokens import Purpose
from tests.servers.smtp import SmtpServer

from .newsletter_helpers import add_subscribers, assert_counted, draft, start

pytestmark = pytest.mark.integration

UNLIMITED = {"per_minute": 0, "per_day": 0, "concurrency": 2, "batch_size": 7}
PUBLIC = "https://post.kk.test"


def relay(smtp: SmtpServer) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": smtp.port, "security": "none"}


def drain(svc: Services, rounds: int = 50) -> None:
    sender = svc.make_sender()
    try:
        for _ in range(rounds):
            result = sender.run_round()
            if not result.handled and not result.skipped:
                break
    finally:
        sender.close()


def raw_headers(data: bytes) -> list[bytes]:
    """The header block of a raw message, one unfolded header a line."""
    head = data.split(b"\r\n\r\n", 1)[0]
    return head.replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ").split(b"\r\n")


def statuses(svc: Services, newsletter_id: int) -> Counter[str]:
    """The deliveries by status; the newsletter's counters must agree."""
    return Counter(assert_counted(svc.db, newsletter_id))


def test_everyone_gets_one_personal_message_with_list_headers(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(public_url=PUBLIC, smtp=relay(smtp), mailer=UNLIMITED)
    emails = add_subscribers(svc, 20)
    add_subscribers(svc, 3, status=Status.UNSUBSCRIBED, prefix="gone")
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    drain(svc)

    received = smtp.handler.received
    assert sorted(r.recipients[0] for r in received) == emails  # each once, nobody else
    assert all(len(r.recipients) == 1 for r in received)
    message_ids = set()
    for item in received:
        msg = cast(EmailMessage, item.message)
        to = parseaddr(str(msg["To"]))[1]
        assert item.recipients == [to]
        assert msg.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert all(p.get_content_charset() == "utf-8" for p in msg.iter_parts())
        assert msg["List-Id"] and "nyhetsbrev.kulturkluster.test" in str(msg["List-Id"])
        # RFC 2919 on the raw bytes: the phrase is encoded, the <list-id> stays readable to filters.
        list_id = next(line for line in raw_headers(item.data) if line.startswith(b"List-Id:"))
        assert list_id.endswith(b" <nyhetsbrev.kulturkluster.test>")
        assert b"=?utf-8?b?" in list_id and b"S\xc3\xb6rmland" not in list_id
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https, mailto = (part.strip(" <>") for part in str(msg["List-Unsubscribe"]).split(","))
        assert https.startswith("https://post.kk.test/avsluta/") and mailto.startswith("mailto:")
        claim = svc.tokens.check(unquote(urlparse(https).path.rsplit("/", 1)[1]))
        assert claim is not None and claim.purpose is Purpose.UNSUBSCRIBE and claim.address == to
        assert unquote(mailto).endswith(unquote(urlparse(https).path.rsplit("/", 1)[1]))
        body = msg.get_body(("html",))
        assert body is not None
        html = body.get_content()
        assert https in html and to in html and "KKPERSONAL" not in html
        message_ids.add(str(msg["Message-ID"]))
        assert msg["Date"] and "Kulturkluster" in str(msg["From"])
    assert len(message_ids) == len(received)

    assert statuses(svc, newsletter_id) == {"sent": 20}
    with svc.db.unit_of_work() as session:
        newsletter = session.get(Newsletter, newsletter_id)
        assert newsletter is not None and newsletter.status == NewsletterStatus.SENT
        state = progress(session, newsletter, svc.limits)
    assert (state.total, state.sent, state.remaining) == (20, 20, 0)


def test_who_left_after_the_snapshot_gets_nothing(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(public_url=PUBLIC, smtp=relay(smtp), mailer=UNLIMITED)
    emails = add_subscribers(svc, 5)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    with svc.db.unit_of_work() as session:
        service.unsubscribe(session, emails[0], Evidence(Channel.LINK))
    add_subscribers(svc, 2, prefix="late")  # joined after the snapshot: not in this campaign
    drain(svc)
    assert sorted(r.recipients[0] for r in smtp.handler.received) == emails[1:]
    assert statuses(svc, newsletter_id) == {"sent": 4, "skipped": 1}


def test_5xx_fails_for_good_and_scores_a_bounce_4xx_is_retried(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(
        public_url=PUBLIC, smtp=relay(smtp), mailer=UNLIMITED | {"concurrency": 1, "batch_size": 10}
    )
    emails = add_subscribers(svc, 3)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    smtp.handler.fail_with = ["550 5.1.1 user unknown", "451 4.3.0 try again later"]
    drain(svc)
    with svc.db.unit_of_work() as session:
        rows = {d.smtp_code: d for d in session.scalars(select(Delivery))}
        refused, later = rows[550], rows[451]
        assert refused.status == DeliveryStatus.FAILED and "user unknown" in (refused.last_error or "")
        assert later.status == DeliveryStatus.QUEUED and later.attempts == 1
        assert later.next_attempt_at > utcnow()
        scores = {s.email: s.bounce_score for s in session.scalars(select(Subscriber))}
        assert scores[refused.email] == 1.0 and scores[later.email] == 0
        bounced_id = session.scalars(select(Subscriber.id).where(Subscriber.email == refused.email)).one()
        events = session.scalars(select(ConsentEvent).where(ConsentEvent.subscriber_id == bounced_id)).all()
        assert any("550" in (e.evidence or "") for e in events)
        # the retry becomes due
        session.execute(update(Delivery).where(Delivery.id == later.id).values(next_attempt_at=utcnow()))
        refused_email = refused.email
    drain(svc)
    assert sorted(r.recipients[0] for r in smtp.handler.received) == sorted(set(emails) - {refused_email})
    assert statuses(svc, newsletter_id) == {"sent": 2, "failed": 1}


def test_limits_per_minute_and_per_day_are_shared_and_estimated(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(
        public_url=PUBLIC, smtp=relay(smtp), mailer={"per_minute": 4, "per_day": 6, "batch_size": 100}
    )
    add_subscribers(svc, 10)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    sender = svc.make_sender()
    try:
        first = sender.run_round()
        assert first.sent == 4
        blocked = sender.run_round()
        assert blocked.sent == 0 and blocked.wait_until is not None
        assert blocked.wait_until > utcnow() + timedelta(seconds=50)  # the minute must pass first
        with svc.db.unit_of_work() as session:  # a minute later
            session.execute(
                update(Delivery)
                .where(Delivery.attempted_at.is_not(None))
                .values(attempted_at=utcnow() - timedelta(minutes=2))
            )
        assert sender.run_round().sent == 2  # the day's limit of 6 is reached
        tomorrow = sender.run_round().wait_until
        assert tomorrow is not None and tomorrow > utcnow() + timedelta(hours=23)
    finally:
        sender.close()
    with svc.db.unit_of_work() as session:
        newsletter = session.get(Newsletter, newsletter_id)
        assert newsletter is not None
        state = progress(session, newsletter, svc.limits)
    assert state.remaining == 4 and state.sent == 6
    assert state.estimated_finish is not None
    assert state.estimated_finish > utcnow() + timedelta(hours=21)  # tomorrow, when the window opens


def test_pause_resume_cancel_and_schedule(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(public_url=PUBLIC, smtp=relay(smtp), mailer=UNLIMITED)
    add_subscribers(svc, 6)
    paused_id = draft(svc)
    start(svc, paused_id)
    with svc.db.unit_of_work() as session:
        campaigns.pause(session, campaigns.get(session, paused_id))
    drain(svc)
    assert smtp.handler.received == []
    with svc.db.unit_of_work() as session:
        campaigns.resume(session, campaigns.get(session, paused_id))
    drain(svc)
    assert len(smtp.handler.received) == 6

    later_id = draft(svc)
    start(svc, later_id, at=utcnow() + timedelta(hours=2))
    drain(svc)
    assert len(smtp.handler.received) == 6 and statuses(svc, later_id) == {}
    with svc.db.unit_of_work() as session:
        session.execute(
            update(Newsletter)
            .where(Newsletter.id == later_id)
            .values(scheduled_at=utcnow() - timedelta(seconds=1))
        )
    add_subscribers(svc, 1, prefix="joined-before-start")
    drain(svc)
    assert statuses(svc, later_id) == {"sent": 7}  # recipients were taken when sending began

    cancelled_id = draft(svc)
    start(svc, cancelled_id)
    with svc.db.unit_of_work() as session:
        assert campaigns.cancel(session, campaigns.get(session, cancelled_id)) == 7
    drain(svc)
    assert statuses(svc, cancelled_id) == {"cancelled": 7}
    with svc.db.unit_of_work() as session, pytest.raises(campaign_runs.NewsletterError, match="avbrutet"):
        campaigns.resume(session, campaigns.get(session, cancelled_id))


def test_a_dead_workers_lease_is_taken_over_and_a_lost_relay_releases_the_batch(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(public_url=PUBLIC, smtp=relay(smtp), mailer=UNLIMITED | {"lease_seconds": 60})
    add_subscribers(svc, 4)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    with svc.db.unit_of_work() as session:  # a worker claimed everything and died
        session.execute(
            update(Delivery).values(
                status=DeliveryStatus.SENDING, next_attempt_at=utcnow() + timedelta(seconds=60)
            )
        )
    drain(svc)
    assert smtp.handler.received == []
    with svc.db.unit_of_work() as session:  # its lease runs out
        session.execute(update(Delivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    down = services_factory(
        public_url=PUBLIC, smtp={"host": "127.0.0.1", "port": 1, "security": "none"}, mailer=UNLIMITED
    )
    sender = down.make_sender()
    try:
        result = sender.run_round()
    finally:
        sender.close()
    assert result.relay_error and result.sent == 0
    counts = statuses(svc, newsletter_id)
    assert counts == {"queued": 4}  # released for the next round, nobody lost
    drain(svc)
    assert statuses(svc, newsletter_id) == {"sent": 4} and len(smtp.handler.received) == 4


def test_the_check_stops_a_broken_newsletter_unless_forced(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(public_url=PUBLIC, smtp=relay(smtp), mailer=UNLIMITED)
    add_subscribers(svc, 1)
    source = (
        "---\nsubject: Hej\nsections:\n  - heading: Länk\n    body: Se [sidan](http://osäker.example/)\n---\n"
    )
    newsletter_id = draft(svc, source)
    with pytest.raises(campaigns.CheckFailed) as failed:
        start(svc, newsletter_id)
    assert not failed.value.report.ok
    assert statuses(svc, newsletter_id) == {}
    start(svc, newsletter_id, force=True)
    drain(svc)
    assert len(smtp.handler.received) == 1


def test_verp_return_path_and_dkim_signature(
    services_factory: Callable[..., Services], smtp: SmtpServer, tmp_path: Path
) -> None:
    key = tmp_path / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"], check=True, capture_output=True
    ).stdout
    svc = services_factory(
        public_url=PUBLIC,
        smtp=relay(smtp),
        mailer=UNLIMITED | {"verp": True},
        dkim={"selector": "kk2026", "domain": "kulturkluster.test", "private_key_file": str(key)},
    )
    add_subscribers(svc, 2)
    start(svc, draft(svc))
    drain(svc)
    with svc.db.unit_of_work() as session:  # answers and replies from the outbox are signed too
        svc.system_mailer.answer(session, Answer(AnswerKind.WELCOME, to_address="ny@example.se"))
    svc.flush_outbox()
    assert len(smtp.handler.received) == 3

    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"kk2026._domainkey.kulturkluster.test."
        return record

    with svc.db.unit_of_work() as session:
        ids = {s.email: s.id for s in session.scalars(select(Subscriber))}
    for item in smtp.handler.received:
        if item.recipients[0] in ids:  # VERP is for newsletters
            assert svc.return_paths.find(item.sender) == [ids[item.recipients[0]]]
        assert item.data.startswith(b"DKIM-Signature:")
        assert dkim.verify(item.data, dnsfunc=dns)
        signed = str(item.message["DKIM-Signature"]).lower()
        assert "list-unsubscribe-post" in signed or item.recipients == ["ny@example.se"]
