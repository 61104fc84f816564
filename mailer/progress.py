"""Where a newsletter stands: counts by outcome, the pace, and an honest estimate of when it is done."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturkluster.db import utcnow

from .campaign_models import Delivery, DeliveryStatus, Newsletter, NewsletterStatus
from .campaign_runs import active_recipients
from .limits import Limits, estimate_finish
from .relay_usage import read_usage

_PACE_WINDOW = timedelta(minutes=10)
_PACE_SAMPLE = 1000  # at most this many of the latest messages measure the pace


@dataclass(frozen=True, slots=True)
class Progress:
    id: int
    subject: str
    status: str
    total: int
    sent: int
    failed: int
    skipped: int
    cancelled: int
    remaining: int
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    per_minute: float | None  # measured over the last ten minutes
    estimated_finish: datetime | None
    state: str = ""  # the same as status; the name outside checks read
    reason: str | None = None  # why it paused by itself (the relay's reply), if it did

    @property
    def done_fraction(self) -> float:
        return 1.0 if not self.total else (self.total - self.remaining) / self.total

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            data[name] = value.isoformat() if isinstance(value, datetime) else value
        return data


def progress(session: Session, newsletter: Newsletter, limits: Limits) -> Progress:
    """Counts from the newsletter's counters (``mailer.delivery_counts``): no delivery rows are counted."""
    remaining = newsletter.remaining_count
    now = utcnow()
    pace = measured_pace(session, newsletter.id, now)
    eta = None
    if newsletter.status in {NewsletterStatus.SENDING, NewsletterStatus.SCHEDULED}:
        start = max(newsletter.scheduled_at or now, now)
        if newsletter.status == NewsletterStatus.SCHEDULED:
            # Recipients are taken when sending starts; today's list is the best guess.
            remaining_for_eta = active_recipients(session)
        else:
            remaining_for_eta = remaining
        eta = estimate_finish(limits, read_usage(session, now, limits), remaining_for_eta, start, pace)
    elif remaining == 0 and newsletter.finished_at:
        eta = newsletter.finished_at
    return Progress(
        id=newsletter.id,
        subject=newsletter.subject,
        status=newsletter.status,
        total=newsletter.total,
        sent=newsletter.sent_count,
        failed=newsletter.failed_count,
        skipped=newsletter.skipped_count,
        cancelled=newsletter.cancelled_count,
        remaining=remaining,
        scheduled_at=newsletter.scheduled_at,
        started_at=newsletter.started_at,
        finished_at=newsletter.finished_at,
        per_minute=pace,
        estimated_finish=eta,
        state=newsletter.status,
        reason=newsletter.pause_reason,
    )


def measured_pace(session: Session, newsletter_id: int, now: datetime) -> float | None:
    """Messages sent per minute lately: over the last ten minutes, or over the latest thousand messages
    when that many went in less time (a fast campaign is not counted row by row on every poll)."""
    latest = (
        select(Delivery.attempted_at.label("at"))
        .where(
            Delivery.attempted_at > now - _PACE_WINDOW,
            Delivery.newsletter_id == newsletter_id,
            Delivery.status == DeliveryStatus.SENT,
        )
        .order_by(Delivery.attempted_at.desc())
        .limit(_PACE_SAMPLE)
        .subquery()
    )
    row = session.execute(select(func.count(), func.min(latest.c.at))).one()
    count, oldest = int(row[0]), cast("datetime | None", row[1])
    if not count:
        return None
    if count < _PACE_SAMPLE or oldest is None:
        return count / (_PACE_WINDOW.total_seconds() / 60)
    return count / max((now - oldest).total_seconds() / 60, 1 / 60)
