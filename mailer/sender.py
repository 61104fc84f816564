"""The batch sender: claim deliveries, send them over reused connections, commit each result.

Claiming happens in one short transaction that also reads how much the relay's limits allow (PostgreSQL:
``FOR UPDATE SKIP LOCKED`` plus an advisory lock around the budget, so workers on several machines share
one campaign and one budget). A claimed row is leased (``status = sending`` until ``next_attempt_at``);
a worker that dies leaves its lease to run out and another takes the row over. Each result is committed
by itself, so a kill repeats at most the messages that were in flight.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, func, select, text, update
from sqlalchemy.orm import Session

from kulturkluster.db import Database, utcnow
from subscribers.models import Status, Subscriber

from . import campaigns
from .campaign_models import Delivery, DeliveryStatus, Newsletter, NewsletterStatus
from .limits import DAY, MINUTE, Limits, Usage, budget, next_slot
from .models import OutgoingMessage
from .newsletter_mail import NewsletterMessages, Recipient
from .outbox import retry_delay
from .transport import DeliveryError, PermanentFailure, TemporaryFailure, Transport

log = logging.getLogger(__name__)

_BUDGET_LOCK = 7_246_001  # pg_advisory_xact_lock key: one worker at a time reads the budget and claims

# Called in the transaction that records a refusal (5xx, or retries given up): the wiring scores a bounce.
RefusalHook = Callable[[Session, str, str], None]


@dataclass(frozen=True, slots=True)
class SenderConfig:
    limits: Limits
    concurrency: int = 2
    batch_size: int = 100
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 10


@dataclass(frozen=True, slots=True)
class Claim:
    delivery_id: int
    newsletter_id: int
    email: str
    name: str
    subscriber_id: int | None
    attempts: int


@dataclass
class Round:
    """What one round did, and when the next one has work (None: nothing is waiting at all)."""

    sent: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: int = 0
    started: list[int] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)
    wait_until: datetime | None = None
    relay_error: str | None = None

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.deferred


class CampaignSender:
    def __init__(
        self,
        db: Database,
        transport_factory: Callable[[], Transport],
        messages_for: Callable[[Newsletter], NewsletterMessages],
        config: SenderConfig,
        on_refused: RefusalHook | None = None,
    ) -> None:
        self.db = db
        self.config = config
        self.on_refused = on_refused
        self._messages_for = messages_for
        self._messages: dict[int, NewsletterMessages] = {}
        self._transports = [transport_factory() for _ in range(config.concurrency)]
        self._pool = ThreadPoolExecutor(config.concurrency, thread_name_prefix="kk-sender")
        self.stopping = threading.Event()
        # SQLite has one writer at a time and its busy handler waits in sleeps of milliseconds; the lanes
        # take turns on a lock instead (each result is still its own transaction).
        self._writing: AbstractContextManager[object] = (
            threading.Lock() if db.dialect == "sqlite" else nullcontext()
        )

    def run_round(self) -> Round:
        """Start due newsletters, claim what the limits allow, send it. Never raises for relay trouble."""
        result = Round()
        with self.db.unit_of_work() as session:
            result.started = campaigns.start_due(session)
        claimed, wait = self._claim(result)
        if claimed:
            self._send(claimed, result)
        with self.db.unit_of_work() as session:
            result.finished = campaigns.finish_completed(session)
            result.wait_until = wait or (None if claimed else _next_due(session))
        if claimed and result.wait_until is None:
            result.wait_until = utcnow()
        return result

    def close(self) -> None:
        self.stopping.set()
        self._pool.shutdown(wait=True)
        for transport in self._transports:
            transport.close()

    # -- claiming

    def _claim(self, result: Round) -> tuple[list[Claim], datetime | None]:
        now = utcnow()
        with self.db.unit_of_work() as session:
            if self.db.dialect == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _BUDGET_LOCK})
            limits = self.config.limits
            # No limits (a local relay, the benchmark): nothing to count
            usage = read_usage(session, now) if limits.per_minute or limits.per_day else Usage(0, 0)
            allowed = budget(limits, usage)
            if allowed == 0:
                return [], next_slot(self.config.limits, usage, now)
            wanted = self.config.batch_size if allowed is None else min(self.config.batch_size, allowed)
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
            claimed = [Claim(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows if r[6] == Status.ACTIVE]
            if gone:  # left the list after the snapshot: they get nothing
                session.execute(
                    update(Delivery).where(Delivery.id.in_(gone)).values(status=DeliveryStatus.SKIPPED)
                )
                result.skipped = len(gone)
            if claimed:
                session.execute(
                    update(Delivery)
                    .where(Delivery.id.in_([c.delivery_id for c in claimed]))
                    .values(
                        status=DeliveryStatus.SENDING,
                        next_attempt_at=now + self.config.lease,
                        attempted_at=now,
                    )
                )
                for newsletter_id in {c.newsletter_id for c in claimed} - self._messages.keys():
                    newsletter = session.get(Newsletter, newsletter_id)
                    assert newsletter is not None
                    self._messages[newsletter_id] = self._messages_for(newsletter)
        return claimed, None

    # -- sending

    def _send(self, claimed: list[Claim], result: Round) -> None:
        lanes = [claimed[i :: self.config.concurrency] for i in range(self.config.concurrency)]
        relay_down = threading.Event()
        futures = [
            self._pool.submit(self._lane, transport, lane, relay_down)
            for transport, lane in zip(self._transports, lanes, strict=True)
            if lane
        ]
        for future in futures:
            lane_result = future.result()
            result.sent += lane_result.sent
            result.failed += lane_result.failed
            result.deferred += lane_result.deferred
            result.relay_error = result.relay_error or lane_result.relay_error

    def _lane(self, transport: Transport, lane: list[Claim], relay_down: threading.Event) -> Round:
        result = Round()
        with self._connection() as conn:
            for position, claim in enumerate(lane):
                if relay_down.is_set() or self.stopping.is_set():
                    with self._writing:
                        _release(conn, lane[position:])
                    break
                mail = self._messages[claim.newsletter_id].build(
                    Recipient(claim.email, claim.name, claim.subscriber_id, claim.delivery_id)
                )
                try:
                    transport.send(mail.raw, mail.envelope_sender, [claim.email])
                except PermanentFailure as exc:
                    self._refused(claim, exc, mail.message_id)
                    result.failed += 1
                except TemporaryFailure as exc:
                    if _relay_level(exc):  # not this recipient's fault: no attempt counted, nobody scored
                        relay_down.set()
                        result.relay_error = str(exc)
                        with self._writing:
                            _release(conn, lane[position:])
                        break
                    if self._deferred(conn, claim, exc, mail.message_id):
                        result.deferred += 1
                    else:
                        result.failed += 1
                else:
                    values = {
                        "delivery": claim.delivery_id,
                        "at": utcnow(),
                        "tries": claim.attempts + 1,
                        "mid": mail.message_id,
                    }
                    with self._writing:
                        conn.execute(_MARK_SENT, values)
                        conn.commit()
                    result.sent += 1
        return result

    def _deferred(self, conn: Connection, claim: Claim, exc: TemporaryFailure, message_id: str) -> bool:
        """Retry later with backoff; after ``max_attempts`` it is refused for good. True when deferred."""
        attempts = claim.attempts + 1
        if attempts >= self.config.max_attempts:
            self._refused(claim, exc, message_id)
            return False
        with self._writing:
            self._write_deferred(conn, claim, exc, attempts)
        log.warning("delivery deferred", extra={"delivery": claim.delivery_id, "error": str(exc)})
        return True

    @staticmethod
    def _write_deferred(conn: Connection, claim: Claim, exc: TemporaryFailure, attempts: int) -> None:
        conn.execute(
            update(Delivery)
            .where(Delivery.id == claim.delivery_id)
            .values(
                status=DeliveryStatus.QUEUED,
                attempts=attempts,
                next_attempt_at=utcnow() + retry_delay(attempts),
                smtp_code=exc.code,
                last_error=str(exc)[:2000],
            )
        )
        conn.commit()

    def _refused(self, claim: Claim, exc: DeliveryError, message_id: str) -> None:
        with self._writing, self.db.unit_of_work() as session:
            session.execute(
                update(Delivery)
                .where(Delivery.id == claim.delivery_id)
                .values(
                    status=DeliveryStatus.FAILED,
                    attempts=claim.attempts + 1,
                    smtp_code=exc.code,
                    last_error=str(exc)[:2000],
                    message_id=message_id,
                )
            )
            if self.on_refused is not None:
                self.on_refused(session, claim.email, str(exc))
        log.warning("delivery refused", extra={"delivery": claim.delivery_id, "error": str(exc)})

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        with self.db.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            if (
                postgres
            ):  # each result is still its own commit; only a PostgreSQL crash could lose the last few
                conn.exec_driver_sql("SET synchronous_commit TO OFF")
                conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                if postgres:
                    conn.exec_driver_sql("RESET synchronous_commit")
                    conn.commit()


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
)


def _relay_level(exc: TemporaryFailure) -> bool:
    """Lost connection, unreachable relay, 421 "closing": the relay is unwell, not this one address."""
    return exc.code is None or exc.code == 421


def _release(conn: Connection, claims: list[Claim]) -> None:
    if claims:
        conn.execute(
            update(Delivery)
            .where(Delivery.id.in_([c.delivery_id for c in claims]))
            .values(status=DeliveryStatus.QUEUED, next_attempt_at=utcnow(), attempted_at=None)
        )
        conn.commit()


def read_usage(session: Session, now: datetime) -> Usage:
    """Messages handed to the relay lately: newsletter attempts and single messages (answers, replies)."""

    def window(since: datetime) -> tuple[int, datetime | None]:
        d_count, d_oldest = session.execute(
            select(func.count(), func.min(Delivery.attempted_at)).where(Delivery.attempted_at > since)
        ).one()
        o_count, o_oldest = session.execute(
            select(func.count(), func.min(OutgoingMessage.sent_at)).where(OutgoingMessage.sent_at > since)
        ).one()
        oldest = min((t for t in (d_oldest, o_oldest) if t is not None), default=None)
        return int(d_count) + int(o_count), oldest

    minute, minute_oldest = window(now - MINUTE)
    day, day_oldest = window(now - DAY)
    return Usage(minute, day, minute_oldest, day_oldest)


def _next_due(session: Session) -> datetime | None:
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
    return min((t for t in (retry, scheduled) if t is not None), default=None)
