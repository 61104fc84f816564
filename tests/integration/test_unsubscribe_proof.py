"""An "Avsluta" mail needs proof: our signed token or a DMARC pass from the trusted server; otherwise the
person confirms by replying. A forged "Avsluta" from a member's address changes nobody."""

from __future__ import annotations

from collections.abc import Callable
from email import message_from_bytes

from sqlalchemy import select

from inbound.classify import Route
from inbound.sources.base import Item
from kulturkluster.wiring import Services
from subscribers import service
from subscribers.models import ConsentEvent, Status
from tests.integration.test_pipeline import make_mail, smtp_settings
from tests.servers.smtp import SmtpServer

Factory = Callable[..., Services]
MX = "mx.kulturkluster.test"
MEMBERS = [f"medlem{n}@example.se" for n in range(5)]


def status_of(svc: Services, address: str) -> str | None:
    with svc.db.unit_of_work() as session:
        sub = service.get(session, address)
        return sub.status if sub else None


def join(svc: Services, address: str) -> None:
    svc.pipeline.process([Item(make_mail("Nyhetsbrev", sender=address, message_id=f"j-{address}"), "t")])


def test_forged_avsluta_asks_the_member_and_changes_nothing(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(
        smtp=smtp_settings(smtp), subscribe={"confirm": "never", "trusted_authserv_id": MX}
    )
    for address in MEMBERS:
        join(svc, address)
    forged = [
        make_mail(
            "Avsluta",
            sender=a,
            message_id=f"f{n}-{a}",
            headers={"Authentication-Results": f"{MX}; dmarc=fail"},
        )
        for a in MEMBERS
        for n in range(2)
    ]
    outcomes = svc.pipeline.process([Item(raw, "t") for raw in forged])
    assert {o.route for o in outcomes} == {Route.UNSUBSCRIBE}
    assert {status_of(svc, a) for a in MEMBERS} == {Status.ACTIVE}  # 10 forged: 0 changed
    svc.flush_outbox()
    asked = [
        r for r in smtp.handler.received if r.message["Subject"].startswith("Bekräfta att du vill avsluta")
    ]
    assert {r.recipients[0] for r in asked} == set(MEMBERS)
    # The real member replies to the request: its Message-ID carries the token, so the reply is the proof.
    request = message_from_bytes(smtp.handler.messages_to(MEMBERS[0])[-1].data)
    reply = make_mail(
        "Re: " + str(request["Subject"]),
        sender=MEMBERS[0],
        message_id="reply@example.se",
        headers={"In-Reply-To": str(request["Message-ID"])},
    )
    assert [o.route for o in svc.pipeline.process([Item(reply, "t")])] == [Route.UNSUBSCRIBE]
    assert status_of(svc, MEMBERS[0]) == Status.UNSUBSCRIBED
    assert {status_of(svc, a) for a in MEMBERS[1:]} == {Status.ACTIVE}
    with svc.db.unit_of_work() as session:
        actions = session.scalars(
            select(ConsentEvent.action).where(ConsentEvent.action == "unsubscribe_requested")
        )
        assert len(list(actions)) == 10


def test_dmarc_pass_from_the_trusted_server_or_never_is_immediate(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(
        smtp=smtp_settings(smtp), subscribe={"confirm": "never", "trusted_authserv_id": MX}
    )
    join(svc, "anna@example.se")
    passed = f"{MX}; dmarc=pass (p=reject) header.from=example.se"
    raw = make_mail("Avsluta", message_id="u1@example.se", headers={"Authentication-Results": passed})
    svc.pipeline.process([Item(raw, "t")])
    assert status_of(svc, "anna@example.se") == Status.UNSUBSCRIBED
    never = services_factory(smtp=smtp_settings(smtp), unsubscribe={"confirm": "never"})
    join(never, "bo@example.se")
    never.pipeline.process([Item(make_mail("Avsluta", sender="bo@example.se", message_id="u2@x"), "t")])
    assert status_of(never, "bo@example.se") == Status.UNSUBSCRIBED
