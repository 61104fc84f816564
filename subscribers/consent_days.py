"""The consent log counted per UTC day and change of status (``consent_event_days``, migration 0021).

On PostgreSQL, triggers on ``consent_events`` add a row for each statement's events of a day and change
(negative for deleted events); they never update a row, so writers never wait on each other here. A day
may hence have several rows per change: readers sum them, and ``compact`` folds the days before a given
one into one row per change (``kulturkluster maintenance run``). On SQLite, which has one writer at a
time, each event adds to its day's one row per change.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import String, delete, func, insert, literal, select, union_all
from sqlalchemy.orm import Session

from .models import ConsentEventDay


def changes(session: Session, spans: list[tuple[str, date, date | None]]) -> list[Any]:
    """Per span (name, first day, day after the last or None for "until now"): how many events went from
    one status to another, as (name, old status or None, new status, count); one statement."""
    parts = [
        select(
            literal(name, String),
            ConsentEventDay.old_status,
            ConsentEventDay.new_status,
            func.sum(ConsentEventDay.events),
        )
        .where(ConsentEventDay.day >= first, *([ConsentEventDay.day < stop] if stop is not None else []))
        .group_by(ConsentEventDay.old_status, ConsentEventDay.new_status)
        for name, first, stop in spans
    ]
    rows = session.execute(union_all(*parts)).all()
    return [(name, old or None, new, int(n)) for name, old, new, n in rows if n]


def compact(session: Session, before: date) -> int:
    """Fold every day before ``before`` into one row per change (none where the events cancel out);
    returns how many rows were removed. One DELETE … RETURNING takes exactly the rows it sums, so an
    event counted meanwhile by another transaction is neither lost nor counted twice."""
    gone = session.execute(
        delete(ConsentEventDay)
        .where(ConsentEventDay.day < before)
        .returning(
            ConsentEventDay.day,
            ConsentEventDay.old_status,
            ConsentEventDay.new_status,
            ConsentEventDay.events,
        )
    ).all()
    sums: Counter[tuple[date, str, str]] = Counter()
    for day, old, new, events in gone:
        sums[(day, old, new)] += events
    kept = [
        {"day": day, "old_status": old, "new_status": new, "events": n}
        for (day, old, new), n in sums.items()
        if n
    ]
    if kept:
        session.execute(insert(ConsentEventDay), kept)
    return len(gone) - len(kept)
