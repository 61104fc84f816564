"""The outbox: enqueue inside the caller's transaction, deliver after commit, retry with backoff.

Automatic answers are capped per address per day and in total per hour; over a cap the message is kept as
``suppressed`` (visible, never sent) instead of being queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from kulturkluster.db import Database, utcnow
from kulturkluster.settings import AutoAnswerSettings

from .compose import Composed
from .models import OutgoingMessage, OutgoingStatus
from .transport import PermanentFailure, TemporaryFailure, Transport

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
_BASE_DELAY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class FlushResult:
    sent: int = 0
    deferred: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes, at most 2 hours."""
    delay: timedelta = _BASE_DELAY * (2 ** max(attempts - 1, 0))
    return min(delay, timedelta(hours=2))


class Outbox:
    def __init__(self, caps: AutoAnswerSettings) -> None:
        self.caps = caps

    def enqueue(
        self,
        session: Session,
        msg: Composed,
        *,
        kind: str,
        sender: str,
        to_address: str,
        automatic: bool,
        inbound_message_id: int | None = None,
        counts: CapCounts | None = None,
    ) -> OutgoingMessage:
        """Add a message to the outbox in the caller's transaction; automatic ones may be suppressed.

        ``counts`` (from ``preload_counts``, for a batch) answers the caps from memory for its addresses.
        """
        status, why = OutgoingStatus.QUEUED, None
        if automatic:
            why = self._over_cap(session, to_address, counts)
            if why:
                status = OutgoingStatus.SUPPRESSED
                log.info("automatic answer suppressed", extra={"kind": kind, "to": to_address, "why": why})
        row = OutgoingMessage(
            kind=kind,
            automatic=automatic,
            to_address=to_address,
            sender=sender,
            message_id=msg.message_id,
            subject=msg.subject,
            inbound_message_id=inbound_message_id,
            created_at=utcnow(),
            next_attempt_at=utcnow(),
            status=status,
            last_error=why,
            raw=msg.raw,
        )
        session.add(row)
        if automatic and status == OutgoingStatus.QUEUED and counts is not None:
            counts.counted(to_address)
        return row

    def preload_counts(self, session: Session, addresses: Iterable[str]) -> CapCounts:
        """Count recent automatic answers for these addresses in one query; ``enqueue`` given the result
        then counts in memory (the inbound pipeline answers hundreds per transaction). Drop the counts
        when the transaction ends."""
        wanted = list(set(addresses))
        per_address: dict[str, int] = dict.fromkeys(wanted, 0)
        for start in range(0, len(wanted), 500):
            rows = session.execute(
                select(OutgoingMessage.to_address, func.count())
                .where(
                    *self._recent(timedelta(days=1)),
                    OutgoingMessage.to_address.in_(wanted[start : start + 500]),
                )
                .group_by(OutgoingMessage.to_address)
            )
            per_address.update({address: count for address, count in rows})
        return CapCounts(per_address, self._count(session, None))

    @staticmethod
    def _recent(window: timedelta) -> tuple[ColumnElement[bool], ...]:
        return (
            OutgoingMessage.automatic.is_(True),
            OutgoingMessage.created_at > utcnow() - window,
            OutgoingMessage.status.in_((OutgoingStatus.QUEUED, OutgoingStatus.SENT, OutgoingStatus.SENDING)),
        )

    def _over_cap(self, session: Session, to_address: str, counts: CapCounts | None) -> str | None:
        if counts is None or to_address not in counts.per_address:
            counts = CapCounts({to_address: self._count(session, to_address)}, self._count(session, None))
        if counts.per_address[to_address] >= self.caps.per_address_per_day:
            return f"cap of {self.caps.per_address_per_day} automatic answers per address per day reached"
        if counts.last_hour >= self.caps.per_hour:
            return f"cap of {self.caps.per_hour} automatic answers per hour reached"
        return None

    def _count(self, session: Session, to_address: str | None) -> int:
        if to_address is None:
            return session.scalar(select(func.count()).where(*self._recent(timedelta(hours=1)))) or 0
        query = select(func.count()).where(
            *self._recent(timedelta(days=1)), OutgoingMessage.to_address == to_address
        )
        return session.scalar(query) or 0


@dataclass
class CapCounts:
    """Recent automatic answers per address (for the addresses loaded) and in the last hour."""

    per_address: dict[str, int]
    last_hour: int

    def counted(self, to_address: str) -> None:
        """One more automatic answer queued (only addresses loaded are counted in memory)."""
        if to_address in self.per_address:
            self.per_address[to_address] += 1
            self.last_hour += 1


def flush(
    db: Database, transport: Transport, limit: int = 500, sign: Callable[[bytes], bytes] | None = None
) -> FlushResult:
    """Send what is due. Rows are claimed with a lease (status ``sending``), so several workers can share
    the outbox and no lock is held while talking to the relay; each result is committed on its own, so a
    crash repeats at most the message in flight. A lease that runs out (a dead worker) is taken over."""
    claimed = _claim(db, limit)
    sent = deferred = failed = 0
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql" and claimed:
            # Each result still gets its own commit, so a killed worker repeats at most the message in
            # flight; only a crash of PostgreSQL itself could lose the last fraction of a second of them.
            conn.exec_driver_sql("SET synchronous_commit TO OFF")
            conn.commit()
        for position, (row_id, sender, to_address, raw, attempts) in enumerate(claimed):
            values: dict[str, object] = {"attempts": attempts + 1}
            relay_unwell = False
            try:
                # Signed as it leaves (DKIM covers the Date, which is set at enqueue: minutes apart at most)
                transport.send(sign(raw) if sign else raw, sender, [to_address])
            except PermanentFailure as exc:
                values |= {"status": OutgoingStatus.FAILED, "last_error": str(exc)}
                failed += 1
                log.warning("outgoing message refused", extra={"id": row_id, "error": str(exc)})
            except TemporaryFailure as exc:
                gave_up = attempts + 1 >= MAX_ATTEMPTS
                values |= {
                    "status": OutgoingStatus.FAILED if gave_up else OutgoingStatus.QUEUED,
                    "last_error": str(exc),
                    "next_attempt_at": utcnow() + retry_delay(attempts + 1),
                }
                failed, deferred = (failed + 1, deferred) if gave_up else (failed, deferred + 1)
                relay_unwell = True
                log.warning("outgoing message deferred", extra={"id": row_id, "error": str(exc)})
            else:
                values |= {"status": OutgoingStatus.SENT, "sent_at": utcnow(), "last_error": None}
                sent += 1
            conn.execute(update(OutgoingMessage).where(OutgoingMessage.id == row_id).values(**values))
            conn.commit()
            if relay_unwell:  # the rest waits for the next flush instead of its lease
                _release(conn, [row[0] for row in claimed[position + 1 :]])
                conn.commit()
                break
        if conn.dialect.name == "postgresql" and claimed:
            conn.exec_driver_sql("RESET synchronous_commit")
            conn.commit()
    return FlushResult(sent, deferred, failed)


_LEASE = timedelta(minutes=10)
_Claimed = tuple[int, str, str, bytes, int]


def _claim(db: Database, limit: int) -> list[_Claimed]:
    now = utcnow()
    with db.unit_of_work() as session:
        session.execute(
            update(OutgoingMessage)
            .where(OutgoingMessage.status == OutgoingStatus.SENDING, OutgoingMessage.next_attempt_at <= now)
            .values(status=OutgoingStatus.QUEUED)
        )
        rows = session.execute(
            select(
                OutgoingMessage.id,
                OutgoingMessage.sender,
                OutgoingMessage.to_address,
                OutgoingMessage.raw,
                OutgoingMessage.attempts,
            )
            .where(OutgoingMessage.status == OutgoingStatus.QUEUED, OutgoingMessage.next_attempt_at <= now)
            .order_by(OutgoingMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        claimed = [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
        if claimed:
            session.execute(
                update(OutgoingMessage)
                .where(OutgoingMessage.id.in_([c[0] for c in claimed]))
                .values(status=OutgoingStatus.SENDING, next_attempt_at=now + _LEASE)
            )
    return claimed


def _release(conn: Connection, row_ids: list[int]) -> None:
    if row_ids:
        conn.execute(
            update(OutgoingMessage)
            .where(OutgoingMessage.id.in_(row_ids))
            .values(status=OutgoingStatus.QUEUED, next_attempt_at=utcnow())
        )
