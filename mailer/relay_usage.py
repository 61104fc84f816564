"""How much the relay's limits have used lately: the messages handed to it in the last minute and day."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from .campaign_models import Delivery
from .limits import DAY, MINUTE, Limits, Usage
from .models import OutgoingMessage


def read_usage(session: Session, now: datetime, limits: Limits) -> Usage:
    """Messages handed to the relay lately: newsletter attempts and single messages (answers, replies).

    Only the windows that have a limit are read, and each source is counted up to that limit: a larger
    number decides nothing more (the budget is 0 either way, and the oldest is the window's first), and
    a day of a million attempts is not counted on every claim and page view."""

    def window(since: datetime, limit: int) -> tuple[int, datetime | None]:
        if not limit:
            return 0, None
        d_count, d_oldest = _first_in_window(session, Delivery.attempted_at, since, limit)
        o_count, o_oldest = _first_in_window(session, OutgoingMessage.sent_at, since, limit)
        oldest = min((m for m in (d_oldest, o_oldest) if m is not None), default=None)
        return d_count + o_count, oldest

    minute, minute_oldest = window(now - MINUTE, limits.per_minute)
    day, day_oldest = window(now - DAY, limits.per_day)
    return Usage(minute, day, minute_oldest, day_oldest)


def _first_in_window(
    session: Session, column: InstrumentedAttribute[datetime | None], since: datetime, limit: int
) -> tuple[int, datetime | None]:
    """How many rows have ``column`` after ``since``, counted up to ``limit``, and the earliest of them."""
    first = select(column.label("at")).where(column > since).order_by(column).limit(limit).subquery()
    count, oldest = session.execute(select(func.count(), func.min(first.c.at))).one()
    return int(count), oldest
