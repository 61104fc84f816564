"""The automatic-answer caps count recent answers from an index (migration 0022), not by reading every
queued or sent row of the outbox, which would make each inbound batch slower as the outbox grows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event, insert, text
from sqlalchemy.engine import Connection

from kulturkluster.db import Database, utcnow
from kulturkluster.settings import AutoAnswerSettings
from mailer.models import OutgoingMessage, OutgoingStatus
from mailer.outbox import Outbox

INDEX = "ix_outgoing_messages_automatic_recent"


def _fill(db: Database, rows: int) -> None:
    now = utcnow()
    values = [
        {
            "kind": "receipt" if n % 3 else "confirm",
            "automatic": n % 5 != 0,
            "to_address": f"a{n}@example.se",
            "sender": "kulturkluster@example.se",
            "message_id": f"{n}@x",
            "subject": "",
            "created_at": now - timedelta(minutes=n),
            "next_attempt_at": now,
            "status": OutgoingStatus.SENT if n % 7 else OutgoingStatus.FAILED,
            "attempts": 0,
            "raw": b"x" * 200,
        }
        for n in range(rows)
    ]
    with db.engine.begin() as conn:
        conn.execute(insert(OutgoingMessage), values)


def test_the_cap_counts_are_unchanged_and_read_the_index(db: Database) -> None:
    _fill(db, 200)
    statements: list[tuple[str, object]] = []

    def seen(_conn: Connection, _cursor: object, statement: str, parameters: object, *_args: object) -> None:
        statements.append((statement, parameters))

    addresses = ["a1@example.se", "a61@example.se", "a5@example.se", "nobody@example.se"]
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.unit_of_work() as session:
            counts = Outbox(AutoAnswerSettings()).preload_counts(session, addresses)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    # a5 is not automatic, nobody has none; a61 is in the last day, a1 in the last hour.
    assert counts.per_address == {
        "a1@example.se": 1,
        "a61@example.se": 1,
        "a5@example.se": 0,
        "nobody@example.se": 0,
    }
    # In the last hour (minutes 0-59): automatic (not n % 5 == 0) and not failed (not n % 7 == 0).
    recent = [n for n in range(60) if n % 5 and n % 7]
    assert counts.last_hour == {
        "answers": sum(1 for n in recent if n % 3),
        "requests": sum(1 for n in recent if not n % 3),
    }
    counting = [(s, p) for s, p in statements if "count(" in s.lower()]
    assert len(counting) == 2
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL picks by its statistics; SQLite's planner is the one that needed the index
    with db.engine.connect() as conn:
        for statement, parameters in counting:
            explained = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)  # type: ignore[arg-type]
            plan = " ".join(str(row[3]) for row in explained)
            assert f"COVERING INDEX {INDEX}" in plan


def test_the_index_exists_after_the_migrations(db: Database) -> None:
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'index'"
        else:
            query = "SELECT indexname FROM pg_indexes WHERE tablename = 'outgoing_messages'"
        assert INDEX in set(conn.scalars(text(query)))
