"""The whole path against a real Dovecot and a real SMTP server: fetch, store, classify, answer, file."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from inbound.models import InboundMessage, MailboxState
from inbound.runner import Runner, RunStats
from inbound.sources.base import Item, SourceUnavailable
from kulturkluster.wiring import Services
from mailer.retry import Backoff
from subscribers import service
from subscribers.models import Status
from tests.conftest import mail_bytes
from tests.integration.imap_helpers import append, folder_counts, imap_overrides
from tests.integration.test_pipeline import make_mail
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import SmtpServer

pytestmark = pytest.mark.integration
Factory = Callable[..., Services]


def drain_once(svc: Services, runner: Runner | None = None) -> RunStats:
    runner = runner or svc.make_runner(svc.make_source())
    try:
        return runner.run(threading.Event(), once=True)
    finally:
        runner.source.close()


@contextmanager
def running(runner: Runner) -> Iterator[threading.Thread]:
    """The runner's loop in a thread; on leaving, stop it the way SIGTERM does and wait for it."""
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=40)
        runner.source.close()


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_mailbox_is_drained_answered_and_filed(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    svc = services_factory(**imap_overrides(dovecot, smtp))
    append(
        dovecot,
        mail_bytes("subscribe__latin1_encoded_word.eml"),
        mail_bytes("new_case__question_about_newsletter.eml"),
        mail_bytes("auto_reply__outlook_swedish_ooo.eml"),
        mail_bytes("bounce__dsn_rfc3464.eml"),
        mail_bytes("quarantine__no_from.eml"),
        mail_bytes("unsubscribe__avsluta.eml"),
    )
    stats = drain_once(svc)
    assert dict(stats.routes) == {
        "subscribe": 1,
        "new_case": 1,
        "auto_reply": 1,
        "bounce": 1,
        "quarantine": 1,
        "unsubscribe": 1,
    }
    assert folder_counts(dovecot) == {
        "Behandlat/Prenumerationer": 2,
        "Behandlat/Ärenden": 1,
        "Behandlat/Autosvar": 1,
        "Behandlat/Studsar": 1,
        "Karantän": 1,
    }
    [welcome] = smtp.handler.messages_to("bjorn@forening.example")
    assert welcome.message["Auto-Submitted"] == "auto-replied"
    [receipt] = smtp.handler.messages_to("gunilla@teater.example")
    assert receipt.message["Subject"].startswith("[KK-")
    assert len(smtp.handler.received) == 2  # the unsubscribe came from someone not on the list
    with svc.db.unit_of_work() as session:
        assert service.get(session, "bjorn@forening.example").status == Status.ACTIVE  # type: ignore[union-attr]
        state = session.scalars(select(MailboxState)).one()
        assert state.last_success_at is not None and state.uidvalidity


def test_confirmation_round_trip_through_the_mailbox(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    svc = services_factory(**imap_overrides(dovecot, smtp), subscribe={"confirm": "always"})
    runner = svc.make_runner(svc.make_source())
    append(dovecot, make_mail("Nyhetsbrev"))
    drain_once(svc, runner)
    [request] = smtp.handler.messages_to("anna@example.se")
    # Anna's mail program answers: Re: subject, In-Reply-To our Message-ID, the request quoted.
    reply = (
        f"From: Anna <anna@example.se>\r\nSubject: SV: {request.message['Subject']}\r\n"
        f"Message-ID: <reply@example.se>\r\nIn-Reply-To: {request.message['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nJa tack!\r\n"
    ).encode()
    append(dovecot, reply)
    drain_once(svc, runner)
    with svc.db.unit_of_work() as session:
        assert service.get(session, "anna@example.se").status == Status.ACTIVE  # type: ignore[union-attr]
    assert [r.message["Subject"].split()[0] for r in smtp.handler.messages_to("anna@example.se")] == [
        "Bekräfta",
        "Välkommen",
    ]


def test_idle_picks_up_new_mail_and_stop_ends_the_loop(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    svc = services_factory(**imap_overrides(dovecot, smtp))
    source = svc.make_source()
    runner = svc.make_runner(source)
    with running(runner) as thread:
        time.sleep(0.5)  # the runner is now waiting in IDLE
        append(dovecot, make_mail("Nyhetsbrev"))
        _wait_for(lambda: bool(smtp.handler.messages_to("anna@example.se")))
    assert not thread.is_alive()
    assert folder_counts(dovecot) == {"Behandlat/Prenumerationer": 1}


def test_dropped_connection_reconnects_with_backoff(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    svc = services_factory(**imap_overrides(dovecot, smtp))
    source = svc.make_source()
    runner = svc.make_runner(source)
    runner.backoff = Backoff(maximum=0.2)
    with running(runner):
        time.sleep(0.5)
        source._client._imap.sock.shutdown(2)  # type: ignore[attr-defined]  # the server "goes away" under IDLE
        time.sleep(0.3)
        append(dovecot, make_mail("Nyhetsbrev"))
        _wait_for(lambda: bool(smtp.handler.messages_to("anna@example.se")))
    with svc.db.unit_of_work() as session:
        state = session.scalars(select(MailboxState)).one()
        assert state.last_error is not None  # the drop was recorded for the overview page


def test_wrong_password_is_a_clear_error(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    overrides = imap_overrides(dovecot, smtp)
    overrides["imap"]["password"] = "wrong"
    svc = services_factory(**overrides)
    with pytest.raises(SourceUnavailable, match="KK_IMAP__PASSWORD"):
        drain_once(svc)


def test_stored_but_unfiled_messages_are_filed_without_fetching_or_answering_again(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    """What a crash between commit and MOVE leaves behind: stored messages still in INBOX."""
    svc = services_factory(**imap_overrides(dovecot, smtp))
    append(dovecot, make_mail("Nyhetsbrev"), make_mail("En fråga", sender="bo@example.se", message_id="q@x"))
    source = svc.make_source()
    refs = source.waiting()
    svc.pipeline.process(source.fetch(refs))  # committed, but never filed
    svc.flush_outbox()
    assert len(smtp.handler.received) == 2  # a welcome and a case receipt
    fetched: list[str] = []
    original_fetch = source.fetch

    def recording_fetch(refs: Sequence[str]) -> list[Item]:
        fetched.extend(refs)
        return original_fetch(refs)

    source.fetch = recording_fetch  # type: ignore[method-assign]
    stats = drain_once(svc, svc.make_runner(source))
    assert fetched == []  # known UIDs are filed from the database's record, not downloaded again
    assert stats.duplicates == 2
    assert folder_counts(dovecot) == {"Behandlat/Prenumerationer": 1, "Behandlat/Ärenden": 1}
    assert len(smtp.handler.received) == 2
    with svc.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 2


def test_a_message_redelivered_under_a_new_uid_is_recognised(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    svc = services_factory(**imap_overrides(dovecot, smtp))
    raw = make_mail("Nyhetsbrev")
    svc.pipeline.process([Item(raw=raw, source="import")])
    append(dovecot, raw)
    stats = drain_once(svc)
    assert stats.duplicates == 1 and not stats.routes
    assert folder_counts(dovecot) == {"Behandlat/Prenumerationer": 1}


def test_without_idle_the_source_polls_and_folder_names_are_configurable(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    overrides = imap_overrides(dovecot, smtp)
    svc = services_factory(**overrides, folders={"subscriptions": "Klart/Listan"})
    source = svc.make_source()
    runner = svc.make_runner(source)
    source.connect()  # type: ignore[attr-defined]
    client = source._client  # type: ignore[attr-defined]
    real = client.has_capability
    monkeypatch.setattr(client, "has_capability", lambda cap: False if cap == "IDLE" else real(cap))
    with running(runner):
        time.sleep(0.3)
        append(dovecot, make_mail("Nyhetsbrev"))
        _wait_for(lambda: bool(smtp.handler.messages_to("anna@example.se")))
    assert folder_counts(dovecot) == {"Klart/Listan": 1}


def test_a_case_conversation_through_the_mailbox(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    from cases import operations as case_ops
    from cases import replies
    from tests.conftest import reply_parts

    svc = services_factory(**imap_overrides(dovecot, smtp))
    append(dovecot, mail_bytes("new_case__question_about_newsletter.eml"))
    drain_once(svc)
    [receipt] = smtp.handler.messages_to("gunilla@teater.example")
    reference = receipt.message["Subject"].split("]")[0].strip("[")
    with svc.db.unit_of_work() as session:
        replies.reply(
            reply_parts(svc),
            svc.outbox,
            session,
            case_ops.find(session, reference),
            "Ja, skicka texten senast 1 april.",
            "elin",
        )
    svc.flush_outbox()
    staff = smtp.handler.messages_to("gunilla@teater.example")[-1].message
    outlook = (
        "From: Gunilla Gren <gunilla@teater.example>\r\nSubject: SV: Svar om april\r\n"
        f"Message-ID: <r1@teater.example>\r\nIn-Reply-To: {staff['Message-ID']}\r\nReferences: {staff['References']} "
        f"{staff['Message-ID']}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nTack, då gör vi så!\r\n"
    ).encode()
    append(dovecot, outlook)
    stats = drain_once(svc)
    assert dict(stats.routes) == {"case_reply": 1}
    assert folder_counts(dovecot) == {"Behandlat/Ärenden": 2}
    with svc.db.unit_of_work() as session:
        case = case_ops.find(session, reference)
        assert [m.direction for m in case.messages] == ["in", "out", "in"]
    assert len(smtp.handler.messages_to("gunilla@teater.example")) == 2  # no receipt for the reply
