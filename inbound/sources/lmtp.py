"""LMTP inbound (RFC 2033): the organisation's own mail server (Postfix) delivers the mailbox's mail to us.

LMTP pushes where IMAP and Maildir are pulled, so this source fits the runner's loop differently: each
delivery goes through the pipeline as it arrives, and the runner's loop only waits (its ``after_batch``
then sends the answers). The promise to Postfix is the one a mailbox makes: a recipient gets 250 only
after the raw message is committed, so a crash before that makes Postfix deliver again, and a crash
after the commit but before the 250 makes it deliver the same bytes again, which the pipeline recognises
by their digest. A database outage answers 451 (Postfix keeps the mail and retries); a message over the
size limit answers 552 (Postfix bounces it to its sender).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller, UnixSocketController
from aiosmtpd.lmtp import LMTP
from sqlalchemy.exc import OperationalError

from kulturkluster.settings import LmtpSettings

from ..classify import Route
from .base import Item, Outcome, SourceUnavailable

log = logging.getLogger(__name__)

Process = Callable[[Sequence[Item]], list[Outcome]]
_WAIT_SLICE = 1.0  # seconds; how often a wait checks whether the service is stopping


def replies(count: int, line: str) -> str:
    """LMTP answers DATA once per accepted recipient, in RCPT order (RFC 2033 4.2)."""
    return "\r\n".join([line] * max(count, 1))


def with_return_path(raw: bytes, mail_from: str | None) -> bytes:
    """What a delivering server adds: the envelope sender (``<>`` for bounces and auto-replies)."""
    address = (mail_from or "").strip().removeprefix("<").removesuffix(">")  # aiosmtpd keeps "<>" as is
    return f"Return-Path: <{address}>\r\n".encode() + raw


class LmtpHandler:
    """aiosmtpd's hooks: one message, one pipeline call, committed before any 250."""

    def __init__(self, process: Process, max_message_bytes: int) -> None:
        self.process = process
        self.max_message_bytes = max_message_bytes
        self.delivered = threading.Event()
        # One delivery at a time: the pipeline's batch is one transaction, and SQLite has one writer.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lmtp-commit")

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        recipients = len(envelope.rcpt_tos)
        content: bytes = envelope.original_content or envelope.content or b""
        if len(content) > self.max_message_bytes:
            return replies(recipients, "552 5.3.4 Message too big for this mailbox")
        raw = with_return_path(content, envelope.mail_from)
        loop = asyncio.get_running_loop()
        try:
            outcomes = await loop.run_in_executor(self._executor, self.process, [Item(raw, source="lmtp")])
        except OperationalError as exc:  # the database is down: Postfix keeps the mail and retries
            log.warning("database unavailable; LMTP delivery deferred", extra={"error": str(exc)[:500]})
            return replies(recipients, "451 4.3.0 Cannot store the message now, try again later")
        except Exception:  # a bug must not lose mail either; the traceback is for the developers
            log.exception("LMTP delivery failed; deferred")
            return replies(recipients, "451 4.3.0 Cannot store the message now, try again later")
        outcome = outcomes[0]
        self.delivered.set()
        note = "already stored" if outcome.duplicate else f"stored as {outcome.row_id}"
        return replies(recipients, f"250 2.0.0 Ok: {note}")


class _LmtpController(Controller):
    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


class _LmtpSocketController(UnixSocketController):
    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


class LmtpSource:
    """The runner's view of the LMTP server: nothing to fetch, and a wait that ends after each delivery."""

    stable_refs = False

    def __init__(
        self, settings: LmtpSettings, process: Process, *, max_message_bytes: int, poll_interval: float
    ) -> None:
        self.settings = settings
        where = str(settings.socket) if settings.socket else f"{settings.host}:{settings.port}"
        self.name = f"lmtp:{where}"
        self.poll_interval = poll_interval
        self.handler = LmtpHandler(process, max_message_bytes)
        self._controller: Controller | UnixSocketController | None = None

    def start(self) -> None:
        if self._controller is not None:
            return
        cfg = self.settings
        # Size is checked in handle_DATA, which can answer per recipient; aiosmtpd's own limit cannot.
        kwargs: dict[str, Any] = {"data_size_limit": None, "decode_data": False}
        controller: Controller | UnixSocketController
        if cfg.socket is not None:
            cfg.socket.unlink(missing_ok=True)  # left behind by a killed process
            controller = _LmtpSocketController(self.handler, unix_socket=str(cfg.socket), **kwargs)
        else:
            controller = _LmtpController(self.handler, hostname=cfg.host, port=cfg.port, **kwargs)
        try:
            controller.start()
        except Exception as exc:  # aiosmtpd wraps bind errors in its own
            raise SourceUnavailable(f"LMTP {self.name}: {exc}") from exc
        self._controller = controller
        log.info("LMTP server listening", extra={"source": self.name})

    def waiting(self) -> list[str]:
        self.start()
        return []

    def fetch(self, refs: Sequence[str]) -> list[Item]:
        return []

    def file(self, filed: Sequence[tuple[str, Route]]) -> None:
        """Nothing to file: the mail server keeps no copy once we have accepted it."""

    def wait(self, stop: threading.Event) -> None:
        waited = 0.0
        while not stop.is_set() and waited < self.poll_interval:
            if self.handler.delivered.wait(min(_WAIT_SLICE, self.poll_interval - waited)):
                self.handler.delivered.clear()
                return
            waited += _WAIT_SLICE

    def close(self) -> None:
        """Called when the runner reconnects or stops; a database outage does not close the listener."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
