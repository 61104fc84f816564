"""The steps of a campaign that the sender takes: the snapshot of recipients when it starts, starting the
scheduled ones that are due, finishing those with nothing left, and the frozen rendering every recipient
gets.

Apart from ``mailer.campaigns`` (editing, checking and rendering, which pull in Jinja2, MJML, Markdown
and image checks) so that ``kulturkluster mailer run`` imports none of that; ``campaigns`` re-exports
these for everyone else. Functions take the caller's session and never commit.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from kulturkluster.db import utcnow
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from subscribers.models import Status, Subscriber

from . import delivery_counts
from .campaign_models import Delivery, DeliveryStatus, Newsletter, NewsletterStatus
from .render import Compiled

log = logging.getLogger(__name__)


class NewsletterError(KulturklusterError):
    """A newsletter command that cannot be carried out; the message says why and what to do."""

    kind = ErrorKind.CONFLICT


def frozen(newsletter: Newsletter) -> Compiled:
    """The rendering taken when sending started (what every recipient gets)."""
    if newsletter.html is None or newsletter.text is None:
        raise NewsletterError(t("newsletter.not_started", id=newsletter.id))
    return Compiled(subject=newsletter.subject, html=newsletter.html, text=newsletter.text)


def active_recipients(session: Session) -> int:
    """How many would get a newsletter that started now (the snapshot takes exactly these)."""
    return session.scalar(select(func.count()).where(Subscriber.status == Status.ACTIVE)) or 0


def snapshot(session: Session, newsletter: Newsletter) -> int:
    """One delivery row per active subscriber, in one statement (no list in memory, 1,000,000 or ten)."""
    now = utcnow()
    chosen = select(
        literal(newsletter.id),
        Subscriber.id,
        Subscriber.email,
        Subscriber.name,
        literal(DeliveryStatus.QUEUED.value),
        literal(0),
        literal(now, type_=Delivery.__table__.c.next_attempt_at.type),
    ).where(Subscriber.status == Status.ACTIVE)
    columns = ["newsletter_id", "subscriber_id", "email", "name", "status", "attempts", "next_attempt_at"]
    inserted: CursorResult[Any] = session.execute(insert(Delivery).from_select(columns, chosen))  # type: ignore[assignment]
    # psycopg and sqlite3 report the rows an INSERT ... SELECT wrote; counting them again reads them all
    count = inserted.rowcount
    if count is None or count < 0:
        count = session.scalar(select(func.count()).where(Delivery.newsletter_id == newsletter.id)) or 0
    newsletter.total = count
    delivery_counts.started(newsletter, count)
    newsletter.status, newsletter.started_at = NewsletterStatus.SENDING, now
    return newsletter.total


def start_due(session: Session) -> list[int]:
    """Scheduled newsletters whose time has come start sending (their recipients are taken now)."""
    due = session.scalars(
        select(Newsletter)
        .where(Newsletter.status == NewsletterStatus.SCHEDULED, Newsletter.scheduled_at <= utcnow())
        .with_for_update(skip_locked=True)
    ).all()
    for newsletter in due:
        snapshot(session, newsletter)
        log.info(
            "scheduled newsletter started", extra={"newsletter": newsletter.id, "total": newsletter.total}
        )
    return [n.id for n in due]


def finish_completed(session: Session) -> list[int]:
    """Newsletters that are sending but have nothing left in the queue are sent."""
    pending = (
        select(Delivery.id)
        .where(
            Delivery.newsletter_id == Newsletter.id,
            Delivery.status.in_((DeliveryStatus.QUEUED, DeliveryStatus.SENDING)),
        )
        .exists()
    )
    done = list(
        session.scalars(select(Newsletter.id).where(Newsletter.status == NewsletterStatus.SENDING, ~pending))
    )
    if done:
        session.execute(
            update(Newsletter)
            .where(Newsletter.id.in_(done))
            .values(status=NewsletterStatus.SENT, finished_at=utcnow(), updated_at=utcnow())
        )
    return done


def in_progress(session: Session, also: Collection[int] = ()) -> list[Newsletter]:
    """The campaigns sending or paused, and the ones in ``also`` (whatever their state), newest first."""
    wanted: ColumnElement[bool] = Newsletter.status.in_((NewsletterStatus.SENDING, NewsletterStatus.PAUSED))
    if also:
        wanted = or_(wanted, Newsletter.id.in_(list(also)))
    return list(session.scalars(select(Newsletter).where(wanted).order_by(Newsletter.id.desc())))
