"""The inbound pipeline against a real database (SQLite and PostgreSQL) and a real SMTP server."""

from __future__ import annotations

import threading
from collections.abc import Callable
from email.message import Message
from email.utils import parseaddr
from typing import Any

import pytest
from sqlalchemy import func, select

from cases.models import Case, CaseSequence
from cases.store import CaseCache, next_reference, release_numbers
from inbound.classify import Route
from inbound.models import InboundMessage
from inbound.sources.base import Item
from inbound.store import digests
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from mailer.models import OutgoingMessage, OutgoingStatus
from subscribers import service
from subscribers.models import Channel, ConsentEvent, Status, Subscriber
from tests.conftest import ORG_ADDRESS, mail_bytes
from tests.servers.smtp import SmtpServer

MX = "mx.kulturkluster.test"
Factory = Callable[..., Services]


def make_mail(
    subject: str,
    sender: str = "anna@example.se",
    message_id: str = "m1@example.se",
    body: str = "Hej",
    headers: dict[str, str] | None = None,
) -> bytes:
    lines = [
        f"From: Anna Andersson <{sender}>",
        f"To: {ORG_ADDRESS}",
        f"Subject: {subject}",
        f"Message-ID: <{message_id}>",
    ]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + f"\r\n\r\n{body}\r\n").encode()


def smtp_settings(smtp: SmtpServer) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": smtp.port, "security": "none"}


def run(svc: Services, *raws: bytes) -> list[Route]:
    outcomes = svc.pipeline.process([Item(raw=raw, source="test") for raw in raws])
    svc.flush_outbox()
    return [o.route for o in outcomes]


def status_of(svc: Services, email: str) -> str | None:
    with svc.db.unit_of_work() as session:
        sub = service.get(session, email)
        return sub.status if sub else None


def answers(smtp: SmtpServer, to: str = "anna@example.se") -> list[Message]:
    return [r.message for r in smtp.handler.messages_to(to)]


def test_subscribe_without_confirmation(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), subscribe={"confirm": "never"})
    assert run(svc, make_mail("Nyhetsbrev tack")) == [Route.SUBSCRIBE]
    assert status_of(svc, "anna@example.se") == Status.ACTIVE
    [welcome] = answers(smtp)
    assert welcome["Subject"].startswith("Välkommen")
    assert welcome["Auto-Submitted"] == "auto-replied"
    assert welcome["In-Reply-To"] == "<m1@example.se>"
    assert parseaddr(welcome["From"])[1] == ORG_ADDRESS
    with svc.db.unit_of_work() as session:
        [event] = session.scalars(select(ConsentEvent)).all()
        assert (event.action, event.channel, event.evidence_message_id) == (
            "subscribed",
            "email",
            "m1@example.se",
        )
        assert "confirm=never" in (event.policy or "")


def test_double_opt_in_by_replying(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), subscribe={"confirm": "always"})
    run(svc, make_mail("Nyhetsbrev"))
    assert status_of(svc, "anna@example.se") == Status.PENDING
    [request] = answers(smtp)
    assert request["Subject"].startswith("Bekräfta")
    request_id = request["Message-ID"].strip("<>")
    reply = make_mail(
        f"Re: {request['Subject']}", message_id="m2@example.se", headers={"In-Reply-To": f"<{request_id}>"}
    )
    assert run(svc, reply) == [Route.CONFIRM]
    assert status_of(svc, "anna@example.se") == Status.ACTIVE
    assert answers(smtp)[-1]["Subject"].startswith("Välkommen")


def test_a_reply_that_lost_the_token_asks_again_instead_of_confirming(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), subscribe={"confirm": "always"})
    run(svc, make_mail("Nyhetsbrev"))
    forged = "kkc-ImFubmFAZXhhbXBsZS5zZSI.awW3IA.cOw1OBh0_-jsNnsDzG5oXPjtonI@kulturkluster.test"
    reply = make_mail(
        "Re: Bekräfta din prenumeration", message_id="m2@example.se", headers={"In-Reply-To": f"<{forged}>"}
    )
    assert run(svc, reply) == [Route.SUBSCRIBE]
    assert status_of(svc, "anna@example.se") == Status.PENDING
    assert [m["Subject"].split()[0] for m in answers(smtp)] == ["Bekräfta", "Bekräfta"]


def test_someone_else_cannot_confirm_for_anna(services_factory: Factory, smtp: SmtpServer) -> None:
    """A confirmation token proves receipt only for the address it was sent to."""
    svc = services_factory(smtp=smtp_settings(smtp), subscribe={"confirm": "always"})
    run(svc, make_mail("Nyhetsbrev", sender="anna@example.se"))
    run(svc, make_mail("Nyhetsbrev", sender="mallory@evil.example", message_id="m9@evil.example"))
    [mallory_request] = answers(smtp, "mallory@evil.example")
    token_id = mallory_request["Message-ID"].strip("<>")
    run(
        svc,
        make_mail(
            "Re: x",
            sender="mallory@evil.example",
            message_id="m10@evil.example",
            headers={"In-Reply-To": f"<{token_id}>"},
        ),
    )
    assert status_of(svc, "mallory@evil.example") == Status.ACTIVE
    assert status_of(svc, "anna@example.se") == Status.PENDING


@pytest.mark.parametrize(
    ("auth_results", "expected"),
    [
        (f"{MX}; dkim=pass header.d=example.se; dmarc=pass header.from=example.se", Status.ACTIVE),
        (f"{MX}; dmarc=fail header.from=example.se", Status.PENDING),
        ("evil.example; dmarc=pass header.from=example.se", Status.PENDING),
    ],
)
def test_auto_policy_trusts_only_our_servers_dmarc_pass(
    services_factory: Factory, smtp: SmtpServer, auth_results: str, expected: Status
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), subscribe={"confirm": "auto", "trusted_authserv_id": MX})
    run(svc, make_mail("Nyhetsbrev", headers={"Authentication-Results": auth_results}))
    assert status_of(svc, "anna@example.se") == expected


def test_already_subscribed_and_unsubscribe(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), unsubscribe={"confirm": "never"})
    run(svc, make_mail("Nyhetsbrev"))
    run(svc, make_mail("Nyhetsbrev", message_id="m2@example.se", body="igen"))
    assert answers(smtp)[-1]["Subject"].startswith("Du prenumererar redan")
    assert run(svc, make_mail("Avsluta", message_id="m3@example.se")) == [Route.UNSUBSCRIBE]
    assert status_of(svc, "anna@example.se") == Status.UNSUBSCRIBED
    assert answers(smtp)[-1]["Subject"].startswith("Du har avslutat")
    with svc.db.unit_of_work() as session:
        actions = [e.action for e in session.scalars(select(ConsentEvent).order_by(ConsentEvent.id))]
    assert actions == ["subscribed", "subscribe_repeated", "unsubscribed"]


def test_unsubscribe_of_an_unknown_address_sends_nothing(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    assert run(svc, make_mail("Avsluta")) == [Route.UNSUBSCRIBE]
    assert answers(smtp) == []


def test_unsubscribe_token_in_subject_names_the_address(services_factory: Factory, smtp: SmtpServer) -> None:
    from subscribers.tokens import Purpose

    svc = services_factory(smtp=smtp_settings(smtp))
    run(svc, make_mail("Nyhetsbrev", sender="list-member@example.se"))
    token = svc.tokens.make(Purpose.UNSUBSCRIBE, "list-member@example.se")
    raw = make_mail(f"Avsluta {token}", sender="forwarding-alias@example.se", message_id="u1@example.se")
    assert run(svc, raw) == [Route.UNSUBSCRIBE]
    assert status_of(svc, "list-member@example.se") == Status.UNSUBSCRIBED


def test_the_same_message_twice_changes_nothing(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    raw = make_mail("Nyhetsbrev")
    relayed = b"Received: from relay.example by mx.kulturkluster.test; Tue, 24 Nov 2026\r\n" + raw
    outcomes = svc.pipeline.process([Item(raw, "test"), Item(raw, "test"), Item(relayed, "test")])
    svc.flush_outbox()
    assert [o.duplicate for o in outcomes] == [False, True, True]
    assert len({o.row_id for o in outcomes}) == 1
    assert len(answers(smtp)) == 1
    with svc.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_automatic_mail_is_never_answered(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    routes = run(
        svc,
        mail_bytes("auto_reply__outlook_swedish_ooo.eml"),
        mail_bytes("auto_reply__x_autoreply.eml"),
        mail_bytes("bounce__dsn_rfc3464.eml"),
        mail_bytes("auto_reply__our_own_answer_came_back.eml"),
    )
    assert routes == [Route.AUTO_REPLY, Route.AUTO_REPLY, Route.BOUNCE, Route.AUTO_REPLY]
    assert smtp.handler.received == []
    with svc.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(OutgoingMessage)) == 0
        assert list(session.scalars(select(Subscriber))) == []


def test_answers_per_address_are_capped(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), auto_answers={"per_address_per_day": 2})
    for n in range(5):
        run(svc, make_mail("Nyhetsbrev", message_id=f"m{n}@example.se", body=f"nr {n}"))
    assert len(answers(smtp)) == 2
    with svc.db.unit_of_work() as session:
        statuses = sorted(session.scalars(select(OutgoingMessage.status)))
    assert statuses == [OutgoingStatus.SENT] * 2 + [OutgoingStatus.SUPPRESSED] * 3


def test_unreadable_mail_is_quarantined_with_its_bytes(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    raw = mail_bytes("quarantine__not_a_message.eml")
    assert run(svc, raw, make_mail("Nyhetsbrev")) == [Route.QUARANTINE, Route.SUBSCRIBE]
    with svc.db.unit_of_work() as session:
        row = session.scalars(select(InboundMessage).where(InboundMessage.route == "quarantine")).one()
        assert row.raw == raw
        assert "not an email message" in row.reason


def test_failing_handler_quarantines_one_message_and_reprocess_recovers(
    services_factory: Factory, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    original = svc.system_mailer.answer

    def broken(session: Any, answer: Any, *counts: Any) -> None:  # counts: a batch's cap counts
        if answer.to_address == "anna@example.se":
            raise RuntimeError("template store offline")
        original(session, answer, *counts)

    monkeypatch.setattr(svc.system_mailer, "answer", broken)
    routes = run(
        svc, make_mail("Nyhetsbrev"), make_mail("Nyhetsbrev", sender="bo@example.se", message_id="b@x")
    )
    assert routes == [Route.QUARANTINE, Route.SUBSCRIBE]
    assert status_of(svc, "anna@example.se") is None  # the half-done change was rolled back
    assert status_of(svc, "bo@example.se") == Status.ACTIVE
    monkeypatch.setattr(svc.system_mailer, "answer", original)
    [outcome] = svc.pipeline.reprocess()
    svc.flush_outbox()
    assert outcome.route is Route.SUBSCRIBE
    assert status_of(svc, "anna@example.se") == Status.ACTIVE
    assert svc.pipeline.reprocess() == []


def test_outbox_retries_4xx_and_stops_at_5xx(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    smtp.handler.fail_with = ["451 4.3.0 try later"]
    run(svc, make_mail("Nyhetsbrev"))
    with svc.db.unit_of_work() as session:
        row = session.scalars(select(OutgoingMessage)).one()
        assert (row.status, row.attempts) == (OutgoingStatus.QUEUED, 1)
        assert "451" in (row.last_error or "")
        row.next_attempt_at = row.created_at  # due now
    svc.flush_outbox()
    assert len(answers(smtp)) == 1
    smtp.handler.fail_with = ["550 5.1.1 no such user"]
    run(svc, make_mail("Nyhetsbrev", sender="gone@example.se", message_id="g@x"))
    with svc.db.unit_of_work() as session:
        row = session.scalars(
            select(OutgoingMessage).where(OutgoingMessage.to_address == "gone@example.se")
        ).one()
        assert row.status == OutgoingStatus.FAILED
        assert "550 5.1.1" in (row.last_error or "")


def test_import_never_reactivates(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), unsubscribe={"confirm": "never"})
    run(svc, make_mail("Nyhetsbrev"), make_mail("Avsluta", message_id="m2@example.se"))
    evidence = service.Evidence(channel=Channel.IMPORT, detail="test")
    with svc.db.unit_of_work() as session:
        result = service.import_rows(
            session, [(2, "anna@example.se", "Anna"), (3, "new@example.se", "Ny")], Status.ACTIVE, evidence
        )
    assert result.added == ("new@example.se",)
    assert [line for line, _email, _reason in result.skipped] == [2]
    assert status_of(svc, "anna@example.se") == Status.UNSUBSCRIBED
    assert status_of(svc, "new@example.se") == Status.ACTIVE


def test_a_dead_workers_lease_is_taken_over(services_factory: Factory, smtp: SmtpServer) -> None:
    from datetime import timedelta

    svc = services_factory(smtp=smtp_settings(smtp))
    svc.pipeline.process([Item(make_mail("Nyhetsbrev"), "test")])
    with svc.db.unit_of_work() as session:
        row = session.scalars(select(OutgoingMessage)).one()
        row.status, row.next_attempt_at = OutgoingStatus.SENDING, utcnow() + timedelta(minutes=5)
    assert svc.flush_outbox().sent == 0  # someone else holds it
    with svc.db.unit_of_work() as session:
        session.scalars(select(OutgoingMessage)).one().next_attempt_at = utcnow() - timedelta(seconds=1)
    assert svc.flush_outbox().sent == 1  # ... until the lease ran out
    assert len(answers(smtp)) == 1


def test_the_runner_sends_waiting_answers_even_when_no_mail_arrives(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp))
    smtp.handler.fail_with = ["421 4.3.2 service shutting down"]
    run(svc, make_mail("Nyhetsbrev"))
    assert answers(smtp) == []
    with svc.db.unit_of_work() as session:
        session.scalars(select(OutgoingMessage)).one().next_attempt_at = utcnow()
    runner = svc.make_runner(svc.make_source())  # the (empty) Maildir inbox of the embedded default
    runner.run(threading.Event(), once=True)
    assert len(answers(smtp)) == 1


def test_odd_mail_is_stored_and_routed_or_quarantined(services_factory: Factory, smtp: SmtpServer) -> None:
    """CPython's email test corpus and a 30 MB message through the real pipeline: nothing is lost."""
    import sysconfig
    from pathlib import Path

    corpus = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    if not corpus.is_dir():
        pytest.skip(f"this Python has no email test corpus at {corpus}")
    svc = services_factory(smtp=smtp_settings(smtp))
    raws = [p.read_bytes() for p in sorted(corpus.iterdir()) if p.is_file()]
    big = b"From: a@b.se\r\nSubject: stor\r\n\r\n" + (b"x" * 76 + b"\r\n") * 400_000
    outcomes = svc.pipeline.process([Item(raw, "test") for raw in [*raws, big]])
    assert len(outcomes) == len(raws) + 1
    with svc.db.unit_of_work() as session:
        stored = session.scalar(select(func.count()).select_from(InboundMessage))
        for outcome, raw in zip(outcomes, [*raws, big], strict=True):
            row = session.get(InboundMessage, outcome.row_id)
            assert row is not None and row.route in {r.value for r in Route}
            if outcome.duplicate:  # the corpus has the same message (Message-ID and body) with other headers
                assert row.body_sha256 == digests(raw)[1]
            else:
                assert row.raw == raw
    assert stored == sum(not o.duplicate for o in outcomes)


def test_large_messages_are_parsed_in_a_worker_and_a_slow_one_cannot_hold_up_the_rest(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    big = make_mail("Nyhetsbrev", sender="big@example.se", message_id="big@x", body="x" * 5000)
    small = make_mail("Nyhetsbrev", sender="small@example.se", message_id="small@x")
    svc = services_factory(smtp=smtp_settings(smtp), inbound={"isolate_bytes": 2000, "parse_timeout": 60})
    assert run(svc, big, small) == [Route.SUBSCRIBE, Route.SUBSCRIBE]  # same result from the worker
    # A limit no worker can meet (starting one takes longer): the big one is quarantined, the rest flows.
    strict = services_factory(
        smtp=smtp_settings(smtp), inbound={"isolate_bytes": 2000, "parse_timeout": 0.001}
    )
    big2 = big.replace(b"big@x", b"big2@x")
    small2 = small.replace(b"small@x", b"small2@x")
    outcomes = strict.pipeline.process(
        [Item(big2, "t"), Item(small2, "t"), Item(big2.replace(b"big2@", b"big3@"), "t")]
    )
    assert [o.route for o in outcomes] == [Route.QUARANTINE, Route.SUBSCRIBE, Route.QUARANTINE]
    assert "took more than" in outcomes[0].reason


def test_a_batch_asks_the_database_a_handful_of_times_however_large(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    """The batch cache loads subscribers, contacts and answer counts once per batch, not per mail."""
    from sqlalchemy import event

    svc = services_factory(smtp=smtp_settings(smtp))
    selects: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    def batch_selects(start: int, size: int) -> int:
        selects.clear()
        svc.pipeline.process(
            [
                Item(make_mail("Fråga", sender=f"p{n}@example.se", message_id=f"p{n}@x"), "t")
                for n in range(start, start + size)
            ]
        )
        return len(selects)

    event.listen(svc.db.engine, "before_cursor_execute", count)
    try:
        batch_selects(0, 3)  # the first batch of a year creates its reference counter
        assert batch_selects(100, 5) == batch_selects(200, 40)
    finally:
        event.remove(svc.db.engine, "before_cursor_execute", count)


def test_sign_ups_and_new_cases_cost_the_same_statements_in_a_batch_of_5_or_40(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    """No flush and lock per list command (the batch locks its subscribers at once) and no counter
    UPDATE per case (the batch reserves its reference numbers at once), so the INSERTs stay batched."""
    from sqlalchemy import event

    svc = services_factory(smtp=smtp_settings(smtp), subscribe={"confirm": "never"})
    statements: list[str] = []
    # SQLAlchemy batches INSERTs on PostgreSQL only; SQLite's row-by-row INSERTs cost no round trip.
    batched_inserts = svc.db.engine.dialect.name == "postgresql"

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if batched_inserts or not statement.startswith("INSERT"):
            statements.append(statement)

    def batch_statements(start: int, size: int) -> int:
        statements.clear()
        mails = [
            make_mail("Fråga", sender=f"q{n}@example.se", message_id=f"q{n}@x")
            for n in range(start, start + size)
        ]
        mails += [
            make_mail("Nyhetsbrev", sender=f"s{n}@example.se", message_id=f"s{n}@x")
            for n in range(start, start + size)
        ]
        svc.pipeline.process([Item(raw, "t") for raw in mails])
        return len(statements)

    event.listen(svc.db.engine, "before_cursor_execute", count)
    try:
        batch_statements(0, 3)  # the first batch of a year creates its reference counter
        assert batch_statements(100, 5) == batch_statements(200, 40)
    finally:
        event.remove(svc.db.engine, "before_cursor_execute", count)
    with svc.db.unit_of_work() as session:
        references = sorted(session.scalars(select(Case.reference)))
        counter = session.scalar(select(CaseSequence.last_number))
    assert references == [f"KK-{utcnow().year}-{n:04d}" for n in range(1, 49)]  # no gaps: 3 + 5 + 40
    assert counter == 48


def test_reference_numbers_reserved_but_not_used_are_given_back(services_factory: Factory) -> None:
    svc = services_factory()
    year = utcnow().year
    with svc.db.unit_of_work() as session:
        cache = CaseCache(expected_new=5)
        assert [next_reference(session, year, cache) for _ in range(2)] == [
            f"KK-{year}-0001",
            f"KK-{year}-0002",
        ]
        release_numbers(session, cache)
    with svc.db.unit_of_work() as session:
        assert next_reference(session, year) == f"KK-{year}-0003"
        cache = CaseCache(expected_new=2)
        taken = [next_reference(session, year, cache) for _ in range(4)]  # more than expected: another block
        release_numbers(session, cache)
    assert taken == [f"KK-{year}-{n:04d}" for n in range(4, 8)]
    with svc.db.unit_of_work() as session:
        assert session.scalar(select(CaseSequence.last_number)) == 7
