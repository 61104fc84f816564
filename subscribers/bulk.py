"""Many new subscribers at once (a CSV import), each with its "added" consent event.

The rows are the ones ``service.add`` would make, written without an ORM object or a round trip each:
``COPY ... FROM STDIN`` on PostgreSQL (ids taken from the table's sequence first, so that the events can
name them), multi-row ``executemany`` on SQLite (ids after the highest, which the transaction's write lock
keeps ours). A million rows then take seconds, not the best part of an hour.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from .models import ConsentEvent, Subscriber


def insert_added(
    session: Session,
    people: Sequence[tuple[str, str]],
    status: str,
    event: Mapping[str, Any],
    now: datetime,
) -> None:
    """Insert (email, name) as new subscribers with ``status``; ``event`` holds the consent event's columns
    but its subscriber and time. The caller has checked that every address is new."""
    if not people:
        return
    session.flush()  # the ORM's pending changes first: what follows bypasses it
    ids = _new_ids(session, len(people))
    subscriber = {"status": status, "created_at": now, "updated_at": now, "bounce_score": 0.0}
    if status == "active":
        subscriber["subscribed_at"] = now
    evidence = {"at": now, **event}
    if session.get_bind().dialect.name == "postgresql":
        _copy(
            session,
            "subscribers",
            ["id", "email", "name"],
            subscriber,
            zip(ids, *zip(*people, strict=True), strict=True),
        )
        _copy(session, "consent_events", ["subscriber_id"], evidence, ((id_,) for id_ in ids))
        return
    connection = session.connection()
    connection.execute(
        insert(Subscriber),
        [
            {"id": id_, "email": email, "name": name, **subscriber}
            for id_, (email, name) in zip(ids, people, strict=True)
        ],
    )
    connection.execute(insert(ConsentEvent), [{"subscriber_id": id_, **evidence} for id_ in ids])


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


def _copy(
    session: Session,
    table: str,
    varying: list[str],
    same: Mapping[str, Any],
    rows: Iterable[tuple[Any, ...]],
) -> None:
    """COPY ``rows`` (the ``varying`` columns) with the ``same`` values in every row, as CSV written by
    the csv module (C) in blocks: a Python call per row to psycopg's ``write_row`` costs more than the
    server's work. Every field is quoted, so an empty name stays an empty text; a column whose value is
    None is left out (NULL by default)."""
    fixed = {column: value for column, value in same.items() if value is not None}
    tail = [value.isoformat() if isinstance(value, datetime) else value for value in fixed.values()]
    columns = ", ".join([*varying, *fixed])
    connection: Any = session.connection().connection.driver_connection  # a psycopg connection
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    pending = iter(rows)
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        while block := list(itertools.islice(pending, 20_000)):
            writer.writerows([(*row, *tail) for row in block])
            copy.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()
