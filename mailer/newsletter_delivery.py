"""Newsletter deliveries (the ``deliveries`` table) as a store of the delivery engine.

Claiming happens in one short transaction that also reads how much the relay's limits allow (PostgreSQL:
``FOR UPDATE SKIP LOCKED`` plus an advisory lock around the budget, so workers on several machines share
one campaign and one budget). A claimed row is leased (``status = sending`` until ``next_attempt_at``);
a worker that dies leaves its lease to run out and another takes the row over. Someone who left the list
after the snapshot is skipped: they get nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from kulturkluster.db import Database, utcnow
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from subscribers.models import Status, Subscriber

from . import delivery_counts
from .campaign_models import Delivery, DeliveryStatus, Newsletter, NewsletterStatus
from .delivery import Claimed, Outgoing
from .delivery_counts import UNFINISHED
from .limits import Limits, Usage, budget, next_slot
from .newsletter_mail import NewsletterMessages, Recipient
from .relay_health import RelayHealth
from .relay_usage import read_usage
from .sent_journal import Accepted, ClaimJournal, LaneJournal, recover
from .transport import DeliveryError, RelayRefused, TemporaryFailure

log = logging.getLogger(__name__)

_BUDGET_LOCK = 7_246_001  # pg_advisory_xact_lock key: one worker at a time reads the budget and claims

# Called in the transaction that records a refusal (5xx, or retries given up): the wiring scores a bounce.
RefusalHook = Callable[[Session, str, str], None]


class NewsletterVanished(KulturklusterError):
    """A claimed delivery's newsletter is no longer in the database (deleted while it was sending)."""

    kind = ErrorKind.NOT_FOUND


@dataclass(frozen=True, slots=True)
class DeliveryClaim:
    delivery_id: int
    newsletter_id: int
    email: str
    name: str
    subscriber_id: int | None
    attempts: int


class DeliveryStore:
    """Claims within the relay's limits, builds each recipient's copy, records results."""

    def __init__(
        self,
        db: Database,
        messages_for: Callable[[Newsletter], NewsletterMessages],
        limits: Limits,
        lease: timedelta,
        on_refused: RefusalHook | None = None,
        health: RelayHealth | None = None,
        journal_dir: Path | None = None,
    ) -> None:
        self.db = db
        self.journal_dir = journal_dir  # None: every result is committed by itself
        self.health = health or RelayHealth()
        self.limits = limits
        self.lease = lease
        self.on_refused = on_refused
        self._messages_for = messages_for
        self._messages: dict[int, NewsletterMessages] = {}

    def claim(self, limit: int) -> Claimed[DeliveryClaim]:
        now = utcnow()
        limited = bool(self.limits.per_minute or self.limits.per_day)
        with self.db.unit_of_work() as session:
            if limited and self.db.dialect == "postgresql":  # without limits workers claim side by side
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _BUDGET_LOCK})
            # No limits (a local relay, the benchmark): nothing to count
            usage = read_usage(session, now, self.limits) if limited else Usage(0, 0)
            allowed = budget(self.limits, usage)
            if allowed == 0:
                return Claimed(wait_until=next_slot(self.limits, usage, now))
            wanted = limit if allowed is None else min(limit, allowed)
            rows = session.execute(
                select(
                    Delivery.id,
                    Delivery.newsletter_id,
                    Delivery.email,
                    Delivery.name,
                    Delivery.subscriber_id,
                    Delivery.attempts,
                    Subscriber.status,
                )
                .join(Newsletter, Newsletter.id == Delivery.newsletter_id)
                .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)
                .where(
                    Newsletter.status == NewsletterStatus.SENDING,
                    Delivery.status.in_((DeliveryStatus.QUEUED, DeliveryStatus.SENDING)),
                    Delivery.next_attempt_at <= now,
                )
                .limit(wanted)
                .with_for_update(skip_locked=True, of=Delivery)
            ).all()
            gone = [r[0] for r in rows if r[6] != Status.ACTIVE]
            claimed = [
                DeliveryClaim(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows if r[6] == Status.ACTIVE
            ]
            if gone:  # left the list after the snapshot: they get nothing
                session.execute(
                    update(Delivery).where(Delivery.id.in_(gone)).values(status=DeliveryStatus.SKIPPED)
                )
                for newsletter_id, count in Counter(r[1] for r in rows if r[6] != Status.ACTIVE).items():
                    delivery_counts.finished(session, newsletter_id, DeliveryStatus.SKIPPED, count)
            if claimed:
                session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_([c.delivery_id for c in claimed]))
                    .values(status=DeliveryStatus.SENDING, next_attempt_at=now + self.lease, attempted_at=now)
                )
                self._load_messages(session, {c.newsletter_id for c in claimed})
        return Claimed(claimed, skipped=len(gone))

    def _load_messages(self, session: Session, newsletter_ids: set[int]) -> None:
        for newsletter_id in newsletter_ids - self._messages.keys():
            newsletter = session.get(Newsletter, newsletter_id)
            if newsletter is None:  # the claim's join found it in this same transaction
                raise NewsletterVanished(t("newsletter.not_found", id=newsletter_id))
            self._messages[newsletter_id] = self._messages_for(newsletter)

    def attempts(self, claim: DeliveryClaim) -> int:
        return claim.attempts

    def build(self, claim: DeliveryClaim) -> Outgoing:
        mail = self._messages[claim.newsletter_id].build(
            Recipient(claim.email, claim.name, claim.subscriber_id, claim.delivery_id)
        )
        return Outgoing(mail.raw, mail.envelope_sender, claim.email, mail.message_id)

    def sent(self, conn: Connection, done: Sequence[tuple[DeliveryClaim, Outgoing]]) -> None:
        now = utcnow()
        by_newsletter: dict[int, list[Accepted]] = {}
        for claim, mail in done:
            accepted = Accepted(claim.delivery_id, claim.attempts + 1, mail.message_id, now)
            by_newsletter.setdefault(claim.newsletter_id, []).append(accepted)
        for newsletter_id, accepted_ones in by_newsletter.items():
            record_sent(conn, newsletter_id, accepted_ones)
            self.health.delivered(newsletter_id)

    def journal(self) -> ClaimJournal[DeliveryClaim] | None:
        if self.journal_dir is None:
            return None
        return ClaimJournal(LaneJournal(self.journal_dir), lambda claim: (claim.delivery_id, claim.attempts))

    def recover(self) -> int:
        """Record as sent what the journals of stopped lanes list (before anything is claimed)."""
        if self.journal_dir is None:
            return 0

        def record(found: Sequence[Accepted]) -> None:
            with self.db.engine.begin() as conn:
                ids = {a.delivery_id for a in found}
                newsletter_of = dict(
                    conn.execute(
                        select(Delivery.id, Delivery.newsletter_id).where(Delivery.id.in_(ids))
                    ).all()
                )
                by_newsletter: dict[int, list[Accepted]] = {}
                for accepted in found:  # a delivery no longer in the database has nothing to record
                    if accepted.delivery_id in newsletter_of:
                        by_newsletter.setdefault(newsletter_of[accepted.delivery_id], []).append(accepted)
                for newsletter_id, accepted_ones in by_newsletter.items():
                    record_sent(conn, newsletter_id, accepted_ones)

        return recover(self.journal_dir, record)

    def relay_refused(
        self, conn: Connection, claim: DeliveryClaim, error: RelayRefused, attempts: int, retry_at: datetime
    ) -> bool:
        """Kept for later with the relay's reply and no attempt counted; pauses the campaign (with that
        reply as the reason) when the relay keeps refusing: then True."""
        conn.execute(
            update(Delivery)
            .where(Delivery.id == claim.delivery_id, Delivery.status.in_(UNFINISHED))
            .values(
                status=DeliveryStatus.QUEUED,
                next_attempt_at=retry_at,
                smtp_code=error.code,
                last_error=str(error)[:2000],
            )
        )
        log.warning("relay refused us", extra={"delivery": claim.delivery_id, "error": str(error)})
        if not self.health.refused(claim.newsletter_id):
            return False
        reason = t("newsletter.relay_paused", reply=str(error)[:1000])
        conn.execute(
            update(Newsletter)
            .where(Newsletter.id == claim.newsletter_id, Newsletter.status == NewsletterStatus.SENDING)
            .values(status=NewsletterStatus.PAUSED, pause_reason=reason, updated_at=utcnow())
        )
        log.error("campaign paused: the relay keeps refusing", extra={"newsletter": claim.newsletter_id})
        return True

    def deferred(
        self,
        conn: Connection,
        claim: DeliveryClaim,
        error: TemporaryFailure,
        attempts: int,
        retry_at: datetime,
    ) -> None:
        conn.execute(
            update(Delivery)
            .where(Delivery.id == claim.delivery_id, Delivery.status.in_(UNFINISHED))
            .values(
                status=DeliveryStatus.QUEUED,
                attempts=attempts,
                next_attempt_at=retry_at,
                smtp_code=error.code,
                last_error=str(error)[:2000],
            )
        )
        log.warning("delivery deferred", extra={"delivery": claim.delivery_id, "error": str(error)})

    def failed(
        self, conn: Connection, claim: DeliveryClaim, error: DeliveryError, attempts: int, mail: Outgoing
    ) -> None:
        # Its own transaction: the refusal hook scores a bounce in the same commit
        with self.db.unit_of_work() as session:
            result = session.execute(
                update(Delivery)
                .where(Delivery.id == claim.delivery_id, Delivery.status.in_(UNFINISHED))
                .values(
                    status=DeliveryStatus.FAILED,
                    attempts=attempts,
                    smtp_code=error.code,
                    last_error=str(error)[:2000],
                    message_id=mail.message_id,
                )
            )
            changed = int(result.rowcount)  # type: ignore[attr-defined]
            delivery_counts.finished(session, claim.newsletter_id, DeliveryStatus.FAILED, changed)
            if self.on_refused is not None:
                self.on_refused(session, claim.email, str(error))
        log.warning("delivery refused", extra={"delivery": claim.delivery_id, "error": str(error)})

    def release(self, conn: Connection, claims: Sequence[DeliveryClaim]) -> None:
        if claims:
            conn.execute(
                update(Delivery)
                .where(Delivery.id.in_([c.delivery_id for c in claims]), Delivery.status.in_(UNFINISHED))
                .values(status=DeliveryStatus.QUEUED, next_attempt_at=utcnow(), attempted_at=None)
            )


_MARK_SENT = (
    update(Delivery)
    .where(Delivery.id == bindparam("delivery"))
    .values(
        status=DeliveryStatus.SENT,
        sent_at=bindparam("at"),
        attempts=bindparam("tries"),
        message_id=bindparam("mid"),
        smtp_code=None,
        last_error=None,
    )
    .where(or_(*(Delivery.status == status for status in UNFINISHED)))  # no IN: executemany
)


# PostgreSQL: the batch as four arrays and the newsletter's counters in the same statement, so a batch is
# one round trip and the commit (an executemany and a counter UPDATE were a pipeline of 50 and one more).
# The literals are DeliveryStatus values and delivery_counts.COLUMNS[SENT] (tests/integration/test_delivery_counts.py).
_MARK_SENT_PG = text(
    """
    WITH done AS (
        UPDATE deliveries AS d
        SET status = 'sent', sent_at = v.at, attempts = v.tries, message_id = v.mid,
            smtp_code = NULL, last_error = NULL
        FROM unnest(CAST(:ids AS integer[]), CAST(:ats AS timestamptz[]), CAST(:tries AS integer[]),
                    CAST(:mids AS varchar[])) AS v(id, at, tries, mid)
        WHERE d.id = v.id AND d.status IN ('queued', 'sending')
        RETURNING 1
    )
    UPDATE newsletters
    SET sent_count = sent_count + n.done,
        remaining_count = remaining_count - n.done
    FROM (SELECT count(*) AS done FROM done) AS n
    WHERE newsletters.id = :newsletter AND n.done > 0
    """
)


def record_sent(conn: Connection, newsletter_id: int, accepted: Sequence[Accepted]) -> None:
    """Mark one newsletter's deliveries sent in one statement and count them. Rows that already have an
    outcome stay as they are (a journal read after its batch was committed; a lease taken over by another
    worker that recorded it first)."""
    if not accepted:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(
            _MARK_SENT_PG,
            {
                "ids": [a.delivery_id for a in accepted],
                "ats": [a.at for a in accepted],
                "tries": [a.attempts for a in accepted],
                "mids": [a.message_id for a in accepted],
                "newsletter": newsletter_id,
            },
        )
        return
    values = [
        {"delivery": a.delivery_id, "at": a.at, "tries": a.attempts, "mid": a.message_id} for a in accepted
    ]
    result = conn.execute(_MARK_SENT, values)  # executemany
    delivery_counts.finished(conn, newsletter_id, DeliveryStatus.SENT, int(result.rowcount))


def next_due(session: Session) -> datetime | None:
    """The next moment something becomes sendable: a retry, a lease running out, a scheduled start."""
    retry = session.scalar(
        select(func.min(Delivery.next_attempt_at))
        .join(Newsletter, Newsletter.id == Delivery.newsletter_id)
        .where(
            Newsletter.status == NewsletterStatus.SENDING,
            Delivery.status.in_((DeliveryStatus.QUEUED, DeliveryStatus.SENDING)),
        )
    )
    scheduled = session.scalar(
        select(func.min(Newsletter.scheduled_at)).where(Newsletter.status == NewsletterStatus.SCHEDULED)
    )
    return min((m for m in (retry, scheduled) if m is not None), default=None)
