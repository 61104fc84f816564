"""Our X-Kulturkluster marker is believed only with our seal over its kind and the mail's Message-ID."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from inbound.classify import Route
from inbound.models import InboundMessage
from kulturkluster.wiring import Services
from tests.integration.test_pipeline import make_mail, run, smtp_settings
from tests.servers.smtp import SmtpServer

pytestmark = pytest.mark.integration
Factory = Callable[..., Services]


def _rules(svc: Services) -> dict[str, str]:
    with svc.db.unit_of_work() as session:
        return {m.message_id or "": m.rule for m in session.scalars(select(InboundMessage))}


def test_a_forged_or_copied_marker_does_not_skip_casework(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    forged = make_mail(
        "Hej, en fråga om kurser", message_id="q1@example.se", headers={"X-Kulturkluster": "welcome"}
    )
    seal = svc.tokens.seal("welcome", "ours@kulturkluster.test")
    copied = make_mail(
        "Hej, en fråga till",
        message_id="q2@example.se",
        headers={"X-Kulturkluster": "welcome", "X-Kulturkluster-Seal": seal},
    )
    assert run(svc, forged, copied) == [Route.NEW_CASE, Route.NEW_CASE]


def test_our_own_answer_that_comes_back_is_recognised(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), subscribe={"confirm": "never"})
    assert run(svc, make_mail("Nyhetsbrev tack")) == [Route.SUBSCRIBE]
    [welcome] = smtp.handler.received
    msg = welcome.message
    # Forwarded by an autoresponder that keeps our headers but not the automatic-mail ones.
    for name in ("From", "Auto-Submitted", "X-Auto-Response-Suppress"):
        del msg[name]
    msg["From"] = "Anna Andersson <anna@example.se>"
    assert run(svc, msg.as_bytes()) == [Route.AUTO_REPLY]
    message_id = str(msg["Message-ID"]).strip("<>")
    assert _rules(svc)[message_id] == "our_marker"
