"""Scratch databases for tests and benchmarks: a SQLite file, or a fresh PostgreSQL database, migrated."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from kulturkluster import migrate
from kulturkluster.db import Database

PG_ADMIN_URL = os.environ.get("KK_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class PostgresUnavailable(RuntimeError):
    pass


@contextmanager
def postgres_database(admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards); yields its URL."""
    admin = make_url(admin_url)
    name = f"kk_test_{uuid.uuid4().hex[:10]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        raise PostgresUnavailable(
            f"PostgreSQL is needed at {admin_url} (or set KK_TEST_POSTGRES_URL): {exc}"
        ) from exc
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database(backend: str, workdir: Path) -> Iterator[Database]:
    """A migrated database on ``backend`` ("sqlite" or "postgresql"), gone afterwards."""
    if backend == "sqlite":
        db = Database(f"sqlite:///{workdir / f'{uuid.uuid4().hex[:8]}.db'}")
        try:
            migrate.upgrade(db)
            yield db
        finally:
            db.dispose()
        return
    with postgres_database() as url:
        db = Database(url)
        try:
            migrate.upgrade(db)
            yield db
        finally:
            db.dispose()
