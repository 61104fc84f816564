"""Migration 0019 on PostgreSQL: the trigram index where ``pg_trgm`` can be created, and a working
migration (and search) without it where the role may not create extensions."""

from __future__ import annotations

import os
import uuid

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from kulturkluster import migrate
from kulturkluster.db import Database
from subscribers import service, staff_actions
from subscribers.models import Channel, Status
from subscribers.service import Evidence
from tests.servers.databases import PG_ADMIN_URL, postgres_database

pytestmark = pytest.mark.integration


def _indexes(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(conn.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'subscribers'")))


@pytest.mark.skipif(os.environ.get("KK_TEST_SKIP_POSTGRES") == "1", reason="KK_TEST_SKIP_POSTGRES=1")
def test_without_pg_trgm_the_migration_leaves_the_trigram_index_out() -> None:
    admin = make_url(PG_ADMIN_URL)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    role = f"kk_limited_{uuid.uuid4().hex[:8]}"
    with postgres_database() as url:
        name = make_url(url).database
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE ROLE "{role}" LOGIN')
            conn.execute(f'REVOKE CREATE ON DATABASE "{name}" FROM PUBLIC')
        with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False)) as conn:
            conn.execute(f'GRANT ALL ON SCHEMA public TO "{role}"')
        db = Database(make_url(url).set(username=role).render_as_string(hide_password=False))
        try:
            migrate.upgrade(db)  # CREATE EXTENSION is refused: the migration goes on without it
            assert "ix_subscribers_search_trgm" not in _indexes(db)
            assert "ix_subscribers_email_lower" in _indexes(db)
            with db.unit_of_work() as session:
                service.add(
                    session,
                    "anna.berg@example.se",
                    "Anna",
                    Status.ACTIVE,
                    Evidence(Channel.STAFF, detail="x"),
                )
            with db.unit_of_work() as session:
                assert [s.email for s in staff_actions.search(session, "NA.BE").rows] == [
                    "anna.berg@example.se"
                ]
        finally:
            db.dispose()
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'DROP ROLE "{role}"')


@pytest.mark.skipif(os.environ.get("KK_TEST_SKIP_POSTGRES") == "1", reason="KK_TEST_SKIP_POSTGRES=1")
def test_with_pg_trgm_the_search_has_its_index() -> None:
    with postgres_database() as url:
        db = Database(url)
        try:
            migrate.upgrade(db)
            assert "ix_subscribers_search_trgm" in _indexes(db)
        finally:
            db.dispose()
