"""Each newsletter's deliveries counted by outcome, kept on the newsletter row so pages never count rows.

Every statement that changes a delivery's status moves the same number between these counters in the
same transaction: the snapshot sets them, the sender and staff actions move rows from ``remaining``
(queued or sending) to an outcome, an erasure takes rows away. ``recount`` sets them from the rows
themselves (one GROUP BY): for campaigns older than the counters, and as a repair.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from .campaign_models import Delivery, DeliveryStatus, Newsletter

# The counter of each status; queued and sending are both "remaining".
COLUMNS = {
    DeliveryStatus.QUEUED: "remaining_count",
    DeliveryStatus.SENDING: "remaining_count",
    DeliveryStatus.SENT: "sent_count",
    DeliveryStatus.FAILED: "failed_count",
    DeliveryStatus.SKIPPED: "skipped_count",
    DeliveryStatus.CANCELLED: "cancelled_count",
}
UNFINISHED = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


def finished(db: Connection | Session, newsletter_id: int, outcome: DeliveryStatus, count: int) -> None:
    """``count`` of the newsletter's remaining deliveries got ``outcome`` (sent, failed, skipped, cancelled)."""
    if count:
        column = COLUMNS[outcome]
        db.execute(
            update(Newsletter)
            .where(Newsletter.id == newsletter_id)
            .values(
                {
                    column: getattr(Newsletter, column) + count,
                    "remaining_count": Newsletter.remaining_count - count,
                }
            )
        )


def removed(db: Connection | Session, rows: Iterable[tuple[int, str, int]]) -> None:
    """Deliveries deleted: ``(newsletter_id, status, count)`` each (an erasure)."""
    by_column: Counter[tuple[int, str]] = Counter()
    for newsletter_id, status, count in rows:
        by_column[(newsletter_id, COLUMNS[DeliveryStatus(status)])] += count
    for (newsletter_id, column), count in by_column.items():
        db.execute(
            update(Newsletter)
            .where(Newsletter.id == newsletter_id)
            .values({column: getattr(Newsletter, column) - count})
        )


def started(newsletter: Newsletter, total: int) -> None:
    """The snapshot: every delivery is remaining."""
    newsletter.remaining_count = total
    newsletter.sent_count = newsletter.failed_count = 0
    newsletter.skipped_count = newsletter.cancelled_count = 0


def recount(session: Session, newsletter_ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Set the counters from the rows (all newsletters, or these); returns how many newsletters were
    checked and how many had wrong counters."""
    query = select(Newsletter)
    if newsletter_ids is not None:
        query = query.where(Newsletter.id.in_(list(newsletter_ids)))
    newsletters = {n.id: n for n in session.scalars(query.with_for_update())}
    rows = session.execute(
        select(Delivery.newsletter_id, Delivery.status, func.count())
        .where(Delivery.newsletter_id.in_(list(newsletters)))
        .group_by(Delivery.newsletter_id, Delivery.status)
    )
    found: dict[int, Counter[str]] = {n: Counter() for n in newsletters}
    for newsletter_id, status, count in rows:
        found[newsletter_id][COLUMNS[DeliveryStatus(status)]] += int(count)
    changed = 0
    for newsletter_id, counts in found.items():
        newsletter = newsletters[newsletter_id]
        if any(getattr(newsletter, column) != counts[column] for column in set(COLUMNS.values())):
            changed += 1
            for column in set(COLUMNS.values()):
                setattr(newsletter, column, counts[column])
    return len(newsletters), changed
