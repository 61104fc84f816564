"""Many new subscribers at once (a CSV import), each with its "added" consent event.

The rows are the ones ``service.add`` would make, written without an ORM object or a round trip each:
``COPY ... FROM STDIN`` on PostgreSQL (ids taken from the table's sequence first, so that the events can
name them), multi-row ``executemany`` on SQLite (ids after the highest, which the transaction's write lock
keeps ours). A million rows then take seconds, not the best part of an hour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from .models import ConsentEvent, Subscriber

SUBSCRIBER_COLUMNS = (
    "id",
    "email",
    "name",
    "status",
    "created_at",
    "updated_at",
    "subscribed_at",
    "bounce_score",
)
EVENT_COLUMNS = (
    "subscriber_id",
    "at",
    "action",
    "old_status",
    "new_status",
    "channel",
    "policy",
    "evidence_message_id",
    "evidence",
    "actor",
)


def insert_added(
    session: Session,
    people: Sequence[tuple[str, str]],
    status: str,
    event: Mapping[str, Any],
    now: datetime,
) -> None:
    """Insert (email, name) as new subscribers with ``status``; ``event`` holds the consent event's
    evidence fields (EVENT_COLUMNS but the first two). The caller has checked that every address is new."""
    if not people:
        return
    session.flush()  # the ORM's pending changes first: what follows bypasses it
    subscribed_at = now if status == "active" else None
    ids = _new_ids(session, len(people))
    subscribers = [
        (id_, email, name, status, now, now, subscribed_at, 0.0)
        for id_, (email, name) in zip(ids, people, strict=True)
    ]
    evidence = tuple(event[column] for column in EVENT_COLUMNS[2:])
    events = [(id_, now, *evidence) for id_ in ids]
    if session.get_bind().dialect.name == "postgresql":
        _copy(session, "subscribers", SUBSCRIBER_COLUMNS, subscribers)
        _copy(session, "consent_events", EVENT_COLUMNS, events)
    else:
        connection = session.connection()
        connection.execute(
            insert(Subscriber), [dict(zip(SUBSCRIBER_COLUMNS, row, strict=True)) for row in subscribers]
        )
        connection.execute(
            insert(ConsentEvent), [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in events]
        )


def _new_ids(session: Session, count: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence('subscribers', 'id')) FROM generate_series(1, :n)"
                ),
                {"n": count},
            )
        )
    highest = session.scalar(select(func.max(Subscriber.id))) or 0
    return list(range(highest + 1, highest + 1 + count))


def _copy(session: Session, table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    connection = session.connection().connection.driver_connection
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)
