"""The outbox: enqueue inside the caller's transaction; ``mailer.outbox_delivery`` delivers after commit.

Automatic answers are capped per address per day and in total per hour; over the per-address cap the
message is kept as ``suppressed`` (visible, never sent) instead of being queued. The hourly cap has two
pools: requests to confirm (anyone can make us send those, to any address: a forged sign-up flood) and
answers to people (receipts, welcomes, goodbyes, case replies). A flood of the first never uses up the
second; an answer over its hourly cap is not dropped but queued for later (``next_attempt_at`` after the
hour), while a confirmation request over its cap is suppressed. A queued message marks its session, so a
process that sends after commit (``mailer.after_commit``) flushes once that transaction has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import ColumnElement, Table, func, insert, select
from sqlalchemy.orm import Session

from kulturkluster.db import utcnow
from kulturkluster.settings import AutoAnswerSettings

from .after_commit import queued
from .compose import Composed
from .models import OutgoingMessage, OutgoingStatus

log = logging.getLogger(__name__)

# Answers that only ask to confirm: anyone can make us send these to any address.
REQUEST_KINDS = frozenset({"confirm", "confirm_unsubscribe"})
HOUR = timedelta(hours=1)


def pool(kind: str) -> str:
    return "requests" if kind in REQUEST_KINDS else "answers"


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
        values = self._values(session, msg, kind, sender, to_address, automatic, inbound_message_id, counts)
        row = OutgoingMessage(**values)
        session.add(row)
        return row

    def hold(
        self,
        session: Session,
        held: HeldMessages,
        msg: Composed,
        *,
        kind: str,
        sender: str,
        to_address: str,
        automatic: bool,
        inbound_message_id: int | None = None,
        counts: CapCounts | None = None,
    ) -> None:
        """``enqueue`` for one of many messages of a transaction: the row waits in ``held`` and is written
        with the others by ``held.write`` (one statement for all, no ORM object per row)."""
        held.rows.append(
            self._values(session, msg, kind, sender, to_address, automatic, inbound_message_id, counts)
        )

    def _values(
        self,
        session: Session,
        msg: Composed,
        kind: str,
        sender: str,
        to_address: str,
        automatic: bool,
        inbound_message_id: int | None,
        counts: CapCounts | None,
    ) -> dict[str, object]:
        """The outbox row for ``msg``, with its status after the caps (and the caps counted)."""
        now = utcnow()
        status, why, due = OutgoingStatus.QUEUED, None, now
        if automatic:
            why, later = self._over_cap(session, to_address, pool(kind), counts)
            if why and later:
                due = now + HOUR  # a real person's answer waits for the cap; it is not dropped
                log.info("automatic answer deferred", extra={"kind": kind, "to": to_address, "why": why})
            elif why:
                status = OutgoingStatus.SUPPRESSED
                log.info("automatic answer suppressed", extra={"kind": kind, "to": to_address, "why": why})
        if status == OutgoingStatus.QUEUED:
            queued(session)
        if automatic and status == OutgoingStatus.QUEUED and counts is not None:
            counts.counted(to_address, pool(kind))
        return {
            "kind": kind,
            "automatic": automatic,
            "to_address": to_address,
            "sender": sender,
            "message_id": msg.message_id,
            "subject": msg.subject,
            "inbound_message_id": inbound_message_id,
            "created_at": now,
            "next_attempt_at": due,
            "status": status,
            "attempts": 0,
            "sent_at": None,
            "last_error": why,
            "raw": msg.raw,
        }

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
        return CapCounts(per_address, self._hourly(session))

    @staticmethod
    def _recent(window: timedelta) -> tuple[ColumnElement[bool], ...]:
        return (
            OutgoingMessage.automatic.is_(True),
            OutgoingMessage.created_at > utcnow() - window,
            OutgoingMessage.status.in_((OutgoingStatus.QUEUED, OutgoingStatus.SENT, OutgoingStatus.SENDING)),
        )

    def _over_cap(
        self, session: Session, to_address: str, kind_pool: str, counts: CapCounts | None
    ) -> tuple[str | None, bool]:
        """Why the answer may not go now (None: it may), and whether it goes later instead of never."""
        if counts is None or to_address not in counts.per_address:
            counts = CapCounts({to_address: self._count(session, to_address)}, self._hourly(session))
        if counts.per_address[to_address] >= self.caps.per_address_per_day:
            return (
                f"cap of {self.caps.per_address_per_day} automatic answers per address per day reached",
                False,
            )
        if kind_pool == "requests":
            if counts.last_hour.get(kind_pool, 0) >= self.caps.confirm_per_hour:
                return f"cap of {self.caps.confirm_per_hour} confirmation requests per hour reached", False
        elif counts.last_hour.get(kind_pool, 0) >= self.caps.per_hour:
            return f"cap of {self.caps.per_hour} automatic answers per hour reached: sent later", True
        return None, False

    def _count(self, session: Session, to_address: str) -> int:
        query = select(func.count()).where(
            *self._recent(timedelta(days=1)), OutgoingMessage.to_address == to_address
        )
        return session.scalar(query) or 0

    def _hourly(self, session: Session) -> dict[str, int]:
        """Automatic answers of the last hour per pool."""
        rows = session.execute(
            select(OutgoingMessage.kind, func.count())
            .where(*self._recent(HOUR))
            .group_by(OutgoingMessage.kind)
        )
        counts: dict[str, int] = {}
        for kind, count in rows:
            counts[pool(kind)] = counts.get(pool(kind), 0) + count
        return counts


@dataclass
class CapCounts:
    """Recent automatic answers per address (for the addresses loaded) and in the last hour."""

    per_address: dict[str, int]
    last_hour: dict[str, int]  # per pool ("requests", "answers")

    def counted(self, to_address: str, kind_pool: str = "answers") -> None:
        """One more automatic answer queued (only addresses loaded are counted in memory)."""
        if to_address in self.per_address:
            self.per_address[to_address] += 1
            self.last_hour[kind_pool] = self.last_hour.get(kind_pool, 0) + 1


@dataclass
class HeldMessages:
    """Outbox rows of one transaction that wait to be written together (``Outbox.hold``). ``write`` them
    before the transaction (or the savepoint they belong to) ends; a row never written is never sent."""

    rows: list[dict[str, object]] = field(default_factory=list)

    def write(self, session: Session) -> None:
        if not self.rows:
            return
        table: Table = OutgoingMessage.__table__  # type: ignore[assignment]
        # One executemany on the session's connection: the outbox rows are not needed as objects here.
        session.connection().execute(insert(table), self.rows)
        self.rows = []
