"""Sending what a transaction queued right after it commits, arranged in one place per process.

``Outbox.enqueue`` calls ``queued(session)``. Inside a ``send_after_commit(flush)`` block (the CLI opens one
around each command, the staff web app around each request) that marks the session, and when the
session's outermost transaction has committed, ``flush`` runs once: the answer leaves at once, and the
callers no longer flush by hand. Outside such a block nothing happens here: the mailer loop (``mailer run``,
``serve``) and the inbound runner flush on their own rounds.

Never inside the transaction: a savepoint's release does not count, and the flush opens its own
connections after the commit. A flush that fails is logged, never raised: the data is committed and the
message waits in the outbox for the mailer loop. A flush's own commits never flush again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session

from .delivery import Tally

log = logging.getLogger(__name__)

_PENDING = "outbox.send_after_commit"


@dataclass
class Sending:
    """The flushes a ``send_after_commit`` block ran (what a staff page tells about a reply)."""

    flush: Callable[[], Tally]
    results: list[Tally] = field(default_factory=list)
    errors: int = 0

    @property
    def all_sent(self) -> bool:
        """Nothing was deferred, refused or left waiting for the relay."""
        return not self.errors and not any(r.deferred or r.failed or r.relay_error for r in self.results)

    def run(self) -> None:
        if getattr(_flushing, "active", False):  # a flush's own transactions: it is already sending
            return
        _flushing.active = True
        try:
            self.results.append(self.flush())
        except Exception:  # committed and queued: the mailer loop sends it later
            self.errors += 1
            log.exception("sending the outbox after a commit failed")
        finally:
            _flushing.active = False


_scope: ContextVar[Sending | None] = ContextVar("kk_send_after_commit", default=None)
_flushing = threading.local()


@contextmanager
def send_after_commit(flush: Callable[[], Tally]) -> Iterator[Sending]:
    """Within this block, a transaction that queued mail runs ``flush`` once right after its commit."""
    sending = Sending(flush)
    token = _scope.set(sending)
    try:
        yield sending
    finally:
        _scope.reset(token)


def queued(session: Session) -> None:
    """``session`` queued a message: flush after its commit if a ``send_after_commit`` block is open."""
    sending = _scope.get()
    if sending is not None:
        session.info[_PENDING] = sending


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:  # a savepoint: the outer transaction is still open
        return
    sending: Sending | None = session.info.pop(_PENDING, None)
    if sending is not None:
        sending.run()
