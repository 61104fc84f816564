"""A relay fault is the relay's: against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL.

Exchange Online answers ``554 5.2.252 SendAsDenied`` at DATA when the account may not send as our
address: that refuses every recipient alike and is nobody's bounce. ``550 5.1.1`` at RCPT is one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import select

from kulturkluster.wiring import Services
from mailer import campaigns
from mailer.campaign_models import Delivery, DeliveryStatus, NewsletterStatus
from mailer.progress import progress
from subscribers.models import ConsentEvent, Status, Subscriber
from tests.servers.smtp import SmtpServer

from .newsletter_helpers import add_subscribers, draft, start
from .test_newsletter_sending import UNLIMITED, drain, relay, statuses

pytestmark = pytest.mark.integration
SEND_AS_DENIED = (
    "554 5.2.252 SendAsDenied; nyhetsbrev@kulturkluster.test not allowed to send as "
    "nyhetsbrev@kulturkluster.test; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied"
)


def subscribers(svc: Services) -> dict[str, tuple[str, float]]:
    with svc.db.unit_of_work() as session:
        return {s.email: (s.status, s.bounce_score or 0.0) for s in session.scalars(select(Subscriber))}


def test_send_as_denied_pauses_the_campaign_and_charges_nobody(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(
        public_url="https://post.kk.test",
        smtp=relay(smtp),
        mailer=UNLIMITED | {"concurrency": 1, "batch_size": 10},
    )
    emails = add_subscribers(svc, 20)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    smtp.handler.fail_with = [SEND_AS_DENIED] * 100
    drain(svc)
    refused = 100 - len(smtp.handler.fail_with)
    assert refused == 5  # KK_MAILER__RELAY_PAUSE_AFTER, the default
    assert {v for v in subscribers(svc).values()} == {(Status.ACTIVE, 0.0)}
    with svc.db.unit_of_work() as session:
        assert session.scalars(select(ConsentEvent).where(ConsentEvent.action != "added")).all() == []
        newsletter = campaigns.get(session, newsletter_id)
        assert newsletter.status == NewsletterStatus.PAUSED
        data = progress(session, newsletter, svc.limits).as_dict()
    assert data["state"] == "paused" and "5.2.252 SendAsDenied" in str(data["reason"])
    assert statuses(svc, newsletter_id) == {"queued": 20}
    # The relay is put right; staff resume: everyone gets it exactly once.
    smtp.handler.fail_with.clear()
    with svc.db.unit_of_work() as session:
        campaigns.resume(session, campaigns.get(session, newsletter_id))
    drain(svc)
    assert Counter(r.recipients[0] for r in smtp.handler.received) == Counter(emails)
    assert statuses(svc, newsletter_id) == {"sent": 20}
    with svc.db.unit_of_work() as session:
        newsletter = campaigns.get(session, newsletter_id)
        assert newsletter.pause_reason is None
        assert json.loads(json.dumps(progress(session, newsletter, svc.limits).as_dict()))["reason"] is None


def test_a_refusal_at_rcpt_is_that_recipients_bounce(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(
        public_url="https://post.kk.test",
        smtp=relay(smtp),
        mailer=UNLIMITED | {"concurrency": 1, "batch_size": 10},
    )
    add_subscribers(svc, 3)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    smtp.handler.refuse_rcpt = ["550 5.1.1 <p00000@mottagare.test>: Recipient address rejected"]
    drain(svc)
    assert statuses(svc, newsletter_id) == {"sent": 2, "failed": 1}
    with svc.db.unit_of_work() as session:
        failed = session.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.FAILED)).one()
        assert "5.1.1" in (failed.last_error or "")
        assert campaigns.get(session, newsletter_id).status == NewsletterStatus.SENT
    assert sorted(score for _status, score in subscribers(svc).values()) == [0.0, 0.0, 1.0]
