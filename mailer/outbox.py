"""The outbox: enqueue inside the caller's transaction, deliver after commit, retry with backoff.

Automatic answers are capped per address per day and in total per hour; over a cap the message is kept as
``suppressed`` (visible, never sent) instead of being queued.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturkluster.db import Database, utcnow
from kulturkluster.settings import AutoAnswerSettings

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
        msg: EmailMessage,
        *,
        kind: str,
        sender: str,
        to_address: str,
        automatic: bool,
        inbound_message_id: int | None = None,
    ) -> OutgoingMessage:
        """Add a message to the outbox in the caller's transaction; automatic ones may be suppressed."""
        status, why = OutgoingStatus.QUEUED, None
        if automatic:
            why = self._over_cap(session, to_address)
            if why:
                status = OutgoingStatus.SUPPRESSED
                log.info("automatic answer suppressed", extra={"kind": kind, "to": to_address, "why": why})
        row = OutgoingMessage(
            kind=kind,
            automatic=automatic,
            to_address=to_address,
            sender=sender,
            message_id=str(msg["Message-ID"]).strip("<>"),
            subject=str(msg["Subject"] or ""),
            inbound_message_id=inbound_message_id,
            created_at=utcnow(),
            next_attempt_at=utcnow(),
            status=status,
            last_error=why,
            raw=msg.as_bytes(),
        )
        session.add(row)
        return row

    def _over_cap(self, session: Session, to_address: str) -> str | None:
        now = utcnow()
        counted = (OutgoingStatus.QUEUED, OutgoingStatus.SENT)
        per_address = session.scalar(
            select(func.count())
            .select_from(OutgoingMessage)
            .where(
                OutgoingMessage.automatic.is_(True),
                OutgoingMessage.to_address == to_address,
                OutgoingMessage.created_at > now - timedelta(days=1),
                OutgoingMessage.status.in_(counted),
            )
        )
        if (per_address or 0) >= self.caps.per_address_per_day:
            return f"cap of {self.caps.per_address_per_day} automatic answers per address per day reached"
        total = session.scalar(
            select(func.count())
            .select_from(OutgoingMessage)
            .where(
                OutgoingMessage.automatic.is_(True),
                OutgoingMessage.created_at > now - timedelta(hours=1),
                OutgoingMessage.status.in_(counted),
            )
        )
        if (total or 0) >= self.caps.per_hour:
            return f"cap of {self.caps.per_hour} automatic answers per hour reached"
        return None


def flush(db: Database, transport: Transport, limit: int = 500) -> FlushResult:
    """Send what is due. Each result is committed on its own, so a crash repeats at most one message."""
    sent = deferred = failed = 0
    while sent + deferred + failed < limit:
        with db.unit_of_work() as session:
            query = (
                select(OutgoingMessage)
                .where(
                    OutgoingMessage.status == OutgoingStatus.QUEUED,
                    OutgoingMessage.next_attempt_at <= utcnow(),
                )
                .order_by(OutgoingMessage.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            row = session.scalar(query)
            if row is None:
                break
            row.attempts += 1
            try:
                transport.send(row.raw, row.sender, [row.to_address])
            except PermanentFailure as exc:
                row.status, row.last_error = OutgoingStatus.FAILED, str(exc)
                failed += 1
                log.warning(
                    "outgoing message refused", extra={"id": row.id, "kind": row.kind, "error": str(exc)}
                )
            except TemporaryFailure as exc:
                row.last_error = str(exc)
                if row.attempts >= MAX_ATTEMPTS:
                    row.status = OutgoingStatus.FAILED
                    failed += 1
                else:
                    row.next_attempt_at = utcnow() + retry_delay(row.attempts)
                    deferred += 1
                log.warning("outgoing message deferred", extra={"id": row.id, "error": str(exc)})
                if row.status == OutgoingStatus.QUEUED:
                    break  # the relay is unwell; the rest waits for the next flush
            else:
                row.status, row.sent_at, row.last_error = OutgoingStatus.SENT, utcnow(), None
                sent += 1
    return FlushResult(sent, deferred, failed)
