"""Deliverability: Debian's SpamAssassin, network tests off, gives our own mails less than 1 point.

The messages are built by the service itself: the example newsletter as a subscriber gets it, and the
welcome and the case receipt that the inbound pipeline queues for real incoming mail. SpamAssassin must
be installed (``apt install spamassassin``); without it these tests fail rather than skip.

What the score cannot see here: the messages are not DKIM-signed, come from a ``.test`` domain and have
not passed a relay, so SPF, DKIM, DMARC and the blocklists are not part of it (they need the network and
the real domain anyway), and NO_RECEIVED / NO_RELAYS fire, each worth -0.001.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from inbound.classify import Route
from inbound.sources.base import Item
from kulturkluster.wiring import Services
from mailer import campaigns
from mailer.models import OutgoingMessage
from mailer.newsletter_mail import Recipient
from mailer.spamscore import POINTS_LIMIT, score_message
from tests.conftest import mail_bytes

from .newsletter_helpers import add_subscribers, draft

pytestmark = pytest.mark.integration

PUBLIC = "https://post.kk.test"
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "newsletter"


def assert_low_score(raw: bytes, what: str) -> None:
    score = score_message(raw)
    rules = "\n".join(score.lines()) or "(no rule hit)"
    assert score.points < POINTS_LIMIT, (
        f"SpamAssassin gives the {what} {score.points} points (we stay below {POINTS_LIMIT}):\n{rules}"
    )


def queued_answer(svc: Services, inbound: str, route: Route, kind: str) -> bytes:
    """The answer the pipeline queues for the incoming mail ``inbound`` (a file in tests/mail/)."""
    [outcome] = svc.pipeline.process([Item(raw=mail_bytes(inbound), source="test")])
    assert outcome.route == route
    with svc.db.unit_of_work() as session:
        [raw] = session.scalars(select(OutgoingMessage.raw).where(OutgoingMessage.kind == kind)).all()
    return raw


@pytest.mark.parametrize(("template", "example"), [("default", "exempel.md"), ("inbjudan", "inbjudan.md")])
def test_the_example_newsletter(
    services_factory: Callable[..., Services], template: str, example: str
) -> None:
    svc = services_factory(public_url=PUBLIC)
    add_subscribers(svc, 1)
    newsletter_id = draft(svc, (TEMPLATES / example).read_text(encoding="utf-8"), template)
    with svc.db.unit_of_work() as session:
        newsletter = campaigns.get(session, newsletter_id)
        campaigns.start(session, svc.newsletter_renderer, newsletter)
        raw = (
            svc.newsletter_messages(newsletter, test=False)
            .build(Recipient("anna@example.se", "Anna", 1, 1))
            .raw
        )
    assert_low_score(raw, f"example newsletter ({template})")


def test_the_welcome(services_factory: Callable[..., Services]) -> None:
    svc = services_factory(public_url=PUBLIC, subscribe={"confirm": "never"})
    assert_low_score(queued_answer(svc, "subscribe__plain.eml", Route.SUBSCRIBE, "welcome"), "welcome")


def test_the_case_receipt(services_factory: Callable[..., Services]) -> None:
    svc = services_factory(public_url=PUBLIC)
    raw = queued_answer(svc, "new_case__html_question.eml", Route.NEW_CASE, "receipt")
    assert b"KK-" in raw  # the receipt names the case
    assert_low_score(raw, "case receipt")
