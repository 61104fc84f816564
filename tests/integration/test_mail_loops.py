"""A deliberately rude autoresponder: it answers every mail, with no automatic-mail headers, and its
answers come back into our mailbox. The exchange must die out quickly."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from kulturkluster.wiring import Services
from tests.integration.imap_helpers import append, imap_overrides
from tests.integration.test_pipeline import make_mail
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import Received, SmtpServer, free_port

pytestmark = pytest.mark.integration
Factory = Callable[..., Services]
BOT = "auto@rude.example"


class RudeResponder:
    """Answers every message it gets by mailing our mailbox (through Dovecot) like a person would."""

    def __init__(self, dovecot: DovecotServer, *, threads: bool) -> None:
        self.dovecot = dovecot
        self.threads = threads  # whether its answers carry In-Reply-To (most do; the rudest do not)
        self.received: list[Received] = []
        self.sent = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        got = Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        with self.lock:
            self.received.append(got)
            self.sent += 1
            n = self.sent
        original = got.message
        reply = make_mail(
            f"Re: {original['Subject']}",
            sender=BOT,
            message_id=f"rude{n}@rude.example",
            body="Tack för ditt mejl! Vi återkommer.",
            headers={"In-Reply-To": str(original["Message-ID"])} if self.threads else {},
        )
        append(self.dovecot, reply)
        return "250 OK"


@pytest.mark.parametrize("threads", [True, False], ids=["with-in-reply-to", "without-threading-headers"])
@pytest.mark.parametrize("first_subject", ["Hej, en fråga om era kurser", "Nyhetsbrev"])
def test_a_rude_autoresponder_is_not_a_conversation(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer, first_subject: str, threads: bool
) -> None:
    responder = RudeResponder(dovecot, threads=threads)
    controller = Controller(responder, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        overrides = imap_overrides(dovecot, smtp)
        overrides["smtp"]["port"] = controller.port
        svc = services_factory(**overrides)
        append(dovecot, make_mail(first_subject, sender=BOT, message_id="rude0@rude.example"))
        for _round in range(6):  # far more rounds than a healthy exchange needs
            runner = svc.make_runner(svc.make_source())
            try:
                runner.run(threading.Event(), once=True)
            finally:
                runner.source.close()
    finally:
        controller.stop()
    ours_to_bot = len(responder.received)
    bots_to_us = 1 + responder.sent
    subjects = [r.message["Subject"] for r in responder.received]
    assert ours_to_bot <= 2 and bots_to_us <= 2, (ours_to_bot, bots_to_us, subjects)
