"""Delivering the outbox (single answers: receipts, welcomes, case replies) through the delivery engine.

Rows are claimed with a lease (``status = sending``), so several workers can share the outbox and no lock
is held while talking to the relay; a lease that runs out (a dead worker) is taken over. Each row is
DKIM-signed as it leaves (the signature covers the Date, which is set at enqueue: minutes apart at most).
With a journal folder, results are committed in batches as the newsletter's are (``mailer.sent_journal``):
an inbound batch of hundreds of receipts costs a few commits, not one each, and a crash still repeats at
most the messages in flight.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.engine import Connection

from kulturkluster.db import Database, utcnow

from .delivery import Claimed, DeliveryEngine, Outgoing, ResultJournal, Tally
from .models import OutgoingMessage, OutgoingStatus
from .retry import RetryPolicy
from .sent_journal import Accepted, ClaimJournal, LaneJournal, recover
from .transport import DeliveryError, RelayRefused, TemporaryFailure, Transport

# What one flush did (sent, deferred, failed; relay_error when the relay was unwell)
FlushResult = Tally

_LEASE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class OutboxClaim:
    row_id: int
    sender: str
    to_address: str
    message_id: str
    raw: bytes
    attempts: int


class OutboxStore:
    """The ``outgoing_messages`` table as a delivery store."""

    def __init__(
        self, db: Database, sign: Callable[[bytes], bytes] | None = None, journal_dir: Path | None = None
    ) -> None:
        self.db = db
        self.sign = sign
        self.journal_dir = journal_dir  # None: every result is committed by itself

    def claim(self, limit: int) -> Claimed[OutboxClaim]:
        now = utcnow()
        with self.db.unit_of_work() as session:
            session.execute(  # leases that ran out: their worker died, the rows are due again
                update(OutgoingMessage)
                .where(
                    OutgoingMessage.status == OutgoingStatus.SENDING, OutgoingMessage.next_attempt_at <= now
                )
                .values(status=OutgoingStatus.QUEUED)
            )
            rows = session.execute(
                select(
                    OutgoingMessage.id,
                    OutgoingMessage.sender,
                    OutgoingMessage.to_address,
                    OutgoingMessage.message_id,
                    OutgoingMessage.raw,
                    OutgoingMessage.attempts,
                )
                .where(
                    OutgoingMessage.status == OutgoingStatus.QUEUED, OutgoingMessage.next_attempt_at <= now
                )
                .order_by(OutgoingMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).all()
            claimed = [OutboxClaim(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]
            if claimed:
                session.execute(
                    update(OutgoingMessage)
                    .where(OutgoingMessage.id.in_([c.row_id for c in claimed]))
                    .values(status=OutgoingStatus.SENDING, next_attempt_at=now + _LEASE)
                )
        return Claimed(claimed)

    def attempts(self, claim: OutboxClaim) -> int:
        return claim.attempts

    def build(self, claim: OutboxClaim) -> Outgoing:
        raw = self.sign(claim.raw) if self.sign else claim.raw
        return Outgoing(raw, claim.sender, claim.to_address, claim.message_id)

    def sent(self, conn: Connection, done: Sequence[tuple[OutboxClaim, Outgoing]]) -> None:
        now = utcnow()
        _record_sent(conn, [Accepted(c.row_id, c.attempts + 1, c.message_id, now) for c, _mail in done])

    def journal(self) -> ResultJournal[OutboxClaim] | None:
        if self.journal_dir is None:
            return None
        return ClaimJournal(LaneJournal(self.journal_dir), lambda claim: (claim.row_id, claim.attempts))

    def recover(self) -> int:
        """Record as sent what the journals of stopped lanes list (before anything is claimed)."""
        if self.journal_dir is None:
            return 0

        def record(found: Sequence[Accepted]) -> None:
            with self.db.engine.begin() as conn:
                _record_sent(conn, found, only_unfinished=True)

        return recover(self.journal_dir, record)

    def deferred(
        self, conn: Connection, claim: OutboxClaim, error: TemporaryFailure, attempts: int, retry_at: datetime
    ) -> None:
        self._set(
            conn,
            claim,
            status=OutgoingStatus.QUEUED,
            attempts=attempts,
            next_attempt_at=retry_at,
            last_error=str(error)[:2000],
        )

    def relay_refused(
        self, conn: Connection, claim: OutboxClaim, error: RelayRefused, attempts: int, retry_at: datetime
    ) -> bool:
        """A single answer the relay refused for a reason about us: tried again later, never given up."""
        self.deferred(conn, claim, error, attempts, retry_at)
        return False

    def failed(
        self, conn: Connection, claim: OutboxClaim, error: DeliveryError, attempts: int, mail: Outgoing
    ) -> None:
        self._set(conn, claim, status=OutgoingStatus.FAILED, attempts=attempts, last_error=str(error)[:2000])

    def release(self, conn: Connection, claims: Sequence[OutboxClaim]) -> None:
        if claims:
            conn.execute(
                update(OutgoingMessage)
                .where(OutgoingMessage.id.in_([c.row_id for c in claims]))
                .values(status=OutgoingStatus.QUEUED, next_attempt_at=utcnow())
            )

    @staticmethod
    def _set(conn: Connection, claim: OutboxClaim, **values: object) -> None:
        conn.execute(update(OutgoingMessage).where(OutgoingMessage.id == claim.row_id).values(**values))


_MARK_SENT = (
    update(OutgoingMessage)
    .where(OutgoingMessage.id == bindparam("row"))
    .values(status=OutgoingStatus.SENT, sent_at=bindparam("at"), attempts=bindparam("tries"), last_error=None)
)
_UNFINISHED = or_(  # no IN: executemany
    OutgoingMessage.status == OutgoingStatus.QUEUED, OutgoingMessage.status == OutgoingStatus.SENDING
)


def _record_sent(conn: Connection, accepted: Sequence[Accepted], *, only_unfinished: bool = False) -> None:
    """Mark outbox rows sent in one statement; ``only_unfinished`` leaves rows that already have an outcome
    (a journal read after its batch was committed)."""
    statement = _MARK_SENT.where(_UNFINISHED) if only_unfinished else _MARK_SENT
    values = [{"row": a.delivery_id, "at": a.at, "tries": a.attempts} for a in accepted]
    if values:
        conn.execute(statement, values)


def flush(
    db: Database,
    transport: Transport,
    retry: RetryPolicy,
    *,
    limit: int = 500,
    sign: Callable[[bytes], bytes] | None = None,
    journal_dir: Path | None = None,
    batch: int = 1,
) -> FlushResult:
    """Send what is due in the outbox over one transport (shared by the caller's threads, one at a time).

    With ``journal_dir`` and ``batch`` > 1, results are committed ``batch`` at a time; what a killed
    process had sent but not recorded is recorded first, before anything is claimed."""
    store = OutboxStore(db, sign, journal_dir if batch > 1 else None)
    store.recover()
    engine = DeliveryEngine(db, store, [transport], retry, batch=batch)
    try:
        return engine.run(limit)
    finally:
        engine.close()
