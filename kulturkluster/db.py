"""Database engine, declarative base and the unit of work.

Callers at the edge (the poller, the CLI, the web app) open a unit of work; repository functions take the
session as an argument and never commit. SQLite gets WAL, foreign keys, and SQLAlchemy's recipe for real
transactions (``BEGIN IMMEDIATE``), so savepoints work and two writers queue instead of deadlocking.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, Engine, MetaData, String, TypeDecorator, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.compiler import InsertmanyvaluesSentinelOpts, SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from . import preassigned_ids

if TYPE_CHECKING:  # sqlite3 is loaded by SQLAlchemy's dialect when the database is SQLite, not on PostgreSQL
    import sqlite3

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for a SQLite file, create its folder and configure it for concurrent use."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
    _configure_sqlite(engine)
    # A flush of many new rows is one INSERT ... VALUES ... RETURNING per table, not one per row: SQLite
    # numbers the rows of one INSERT in the order of its VALUES (max(rowid) + 1 each, and every write
    # transaction here holds the database's write lock), so sorting the returned ids in ascending order
    # gives them back in parameter order, which is what SQLAlchemy's sentinel for PostgreSQL relies on too.
    # SQLAlchemy does not assume this for SQLite by default and falls back to a statement per row.
    engine.dialect.insertmanyvalues_implicit_sentinel = InsertmanyvaluesSentinelOpts.ANY_AUTOINCREMENT
    return engine


class folded(FunctionElement[str]):
    """A text column folded for case-insensitive search, the same on both backends.

    PostgreSQL's ``lower()`` folds every letter (Å, Ä, Ö, É); SQLite's folds ASCII only, so on SQLite this
    is ``kk_fold()``, Python's ``str.lower`` registered on each connection. Compare with ``fold(text)``.
    """

    type = String()
    inherit_cache = True
    name = "kk_fold"


@compiles(folded)
def _folded_lower(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(folded, "sqlite")
def _folded_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"kk_fold({compiler.process(element.clauses, **kw)})"


def fold(text: str) -> str:
    """``text`` folded as ``folded`` folds a column (``str.lower``, which is what PostgreSQL's ``lower``
    does for these letters; ``casefold`` would turn "ß" into "ss" on one backend only)."""
    return text.lower()


def _sqlite_fold(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.create_function("kk_fold", 1, _sqlite_fold, deterministic=True)
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (needed for SAVEPOINT).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: a reader that later writes cannot deadlock another writer.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine plus a session factory; the one object the composition root hands to components."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if self.engine.dialect.name == "postgresql":
            preassigned_ids.install(self._sessions)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: committed when the block ends normally, rolled back on any exception."""
        with self._sessions() as session, session.begin():
            yield session

    def session(self) -> Session:
        """A session for read-only use by callers that manage it themselves."""
        return self._sessions()

    def dispose(self) -> None:
        self.engine.dispose()
