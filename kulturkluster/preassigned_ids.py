"""On PostgreSQL, a session that writes many rows per flush draws their ids from the sequences first.

With the ids known, SQLAlchemy writes a table's new rows with one executemany of the one-row INSERT
(psycopg pipelines it and converts the statement once) instead of a multi-row ``INSERT ... RETURNING``.
That statement carries a placeholder per value, thousands for a batch of 200 mails, and psycopg rewrites
every such statement into PostgreSQL's form in Python, without a cache for statements that large: about
5 ms each, a tenth of the inbound pipeline's CPU on PostgreSQL. The ids are the sequence's own, as the
column's default would have drawn them (gaps after a rollback included).

A mapper that would read a server default back after the INSERT (``eager_defaults``) makes SQLAlchemy
fall back to the multi-row form, so the mappers written in batches (contacts, cases) provide their defaults
in Python and say ``eager_defaults=False``; ``tests/integration/test_batch_inserts.py`` checks it.

A session opts in with ``expect_many_rows`` (the inbound pipeline's batches do): for one row at a time
the extra query would be a second round trip for nothing. It costs one query per table per flush, however
many rows, so a batch's statements do not grow with its size.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Integer, event, inspect, text
from sqlalchemy.orm import Mapper, Session, UOWTransaction, sessionmaker

_MANY_ROWS = "kk.preassigned_ids"

_NEXT_IDS = text(
    "SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence(:table, :column)::regclass AS seq) s, "
    "generate_series(1, :count)"
)


def install(sessions: sessionmaker[Session]) -> None:
    """Let sessions of ``sessions`` (a PostgreSQL database's) draw ids when they expect many rows."""
    event.listen(sessions, "before_flush", _assign_ids)


def expect_many_rows(session: Session) -> None:
    """This session's flushes insert many rows per table (a no-op where ``install`` was not called)."""
    session.info[_MANY_ROWS] = True


def _serial_key(mapper: Mapper[Any]) -> tuple[str, Column[Any]] | None:
    """The attribute and column of a mapper's single integer primary key filled by a sequence."""
    if len(mapper.primary_key) != 1:
        return None
    column = mapper.primary_key[0]
    if not isinstance(column, Column) or column.table is not mapper.local_table:
        return None
    if not isinstance(column.type, Integer) or column.autoincrement not in (True, "auto"):
        return None
    return mapper.get_property_by_column(column).key, column


def _assign_ids(session: Session, _context: UOWTransaction, _instances: object) -> None:
    if not session.info.get(_MANY_ROWS):
        return
    new: dict[Mapper[Any], list[Any]] = {}
    for obj in session.new:
        new.setdefault(inspect(obj).mapper, []).append(obj)
    for mapper, objects in new.items():
        key = _serial_key(mapper)
        if key is None:
            continue
        attribute, column = key
        missing = [obj for obj in objects if getattr(obj, attribute) is None]
        if not missing:
            continue
        params = {"table": column.table.name, "column": column.name, "count": len(missing)}
        ids = session.connection().execute(_NEXT_IDS, params).scalars().all()
        for obj, row_id in zip(missing, ids, strict=True):
            setattr(obj, attribute, row_id)
