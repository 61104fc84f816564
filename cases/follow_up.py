"""Follow-up days ("följ upp"): set or clear a case's day, and the cases due on a day (Översikt).

A follow-up day is a calendar day in Stockholm. The reminder mail on the day is ``cases.notify_mail``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturkluster.db import utcnow
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from .models import Case, CaseStatus


class InvalidFollowUp(KulturklusterError):
    """A follow-up day that is not a date (YYYY-MM-DD)."""

    kind = ErrorKind.INVALID


def parse_day(value: str) -> date | None:
    """ "2026-12-01" as a day; empty clears (None). Anything else is refused in Swedish."""
    cleaned = value.strip()
    if not cleaned:
        return None
    try:
        if len(cleaned) != 10:
            raise ValueError(cleaned)
        return date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidFollowUp(t("notify.bad_follow_up", value=cleaned[:40])) from None


def set_follow_up(case: Case, day: date | None) -> None:
    case.follow_up_on = day
    case.updated_at = utcnow()


@dataclass(frozen=True, slots=True)
class DueCase:
    """A case to follow up on Översikt."""

    reference: str
    subject: str
    assignee: str | None
    follow_up_on: date


def due(session: Session, on: date, limit: int = 50) -> list[DueCase]:
    """Open cases whose follow-up day is ``on`` or earlier, the longest overdue first."""
    rows = session.scalars(
        select(Case)
        .where(
            Case.follow_up_on.is_not(None),
            Case.follow_up_on <= on,
            Case.status != CaseStatus.CLOSED,
            Case.merged_into_id.is_(None),
        )
        .order_by(Case.follow_up_on, Case.id)
        .limit(limit)
    )
    return [
        DueCase(case.reference, case.subject, case.assignee, case.follow_up_on)
        for case in rows
        if case.follow_up_on is not None
    ]
