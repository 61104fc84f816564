"""PostgreSQL stores the mail it keeps (the outbox's raw answers, inbound raw bytes, case message texts)
compressed with LZ4 (migration 0023), which costs the server a quarter of the default pglz per answer."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import insert, text

from kulturkluster import migrate
from kulturkluster.db import Database, utcnow
from kulturkluster.migrate import alembic_config
from mailer.models import OutgoingMessage

COLUMNS = {
    ("outgoing_messages", "raw"),
    ("inbound_messages", "raw"),
    ("case_messages", "text"),
    ("case_messages", "html"),
}


def _methods(db: Database) -> dict[tuple[str, str], str]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.relname, a.attname, a.attcompression FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relname IN ('outgoing_messages', 'inbound_messages', 'case_messages') "
                "AND a.attnum > 0 AND NOT a.attisdropped"
            )
        )
        return {(table, column): str(method or "") for table, column, method in rows}


def _lz4_built_in(db: Database) -> bool:
    with db.engine.connect() as conn:
        enumvals = conn.scalar(
            text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
        )
    return "lz4" in (enumvals or [])


def test_stored_mail_is_compressed_with_lz4(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not compress values")
    if not _lz4_built_in(db):
        pytest.skip("this PostgreSQL server was built without LZ4; the migration keeps pglz")
    methods = _methods(db)
    assert {key for key, method in methods.items() if method == "l"} == COLUMNS
    # A real answer's size: the value is compressed when it is written, and with LZ4.
    body = b"".join(b"Hej %d, tack f\xc3\xb6r ditt mejl om kulturst\xc3\xb6d.\r\n" % n for n in range(300))
    now = utcnow()
    with db.engine.begin() as conn:
        conn.execute(
            insert(OutgoingMessage),
            [
                {
                    "id": 9901,
                    "kind": "receipt",
                    "automatic": True,
                    "to_address": "a@example.se",
                    "sender": "kulturkluster@example.se",
                    "message_id": "lz4@x",
                    "subject": "",
                    "created_at": now,
                    "next_attempt_at": now,
                    "status": "queued",
                    "attempts": 0,
                    "raw": body,
                }
            ],
        )
        stored = conn.execute(
            text("SELECT pg_column_compression(raw), raw FROM outgoing_messages WHERE id = 9901")
        ).one()
    assert stored == ("lz4", body)


def test_the_downgrade_returns_to_the_default(db: Database) -> None:
    if db.engine.dialect.name != "postgresql" or not _lz4_built_in(db):
        pytest.skip("only PostgreSQL with LZ4 has anything to undo")
    config = alembic_config(db.url)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0022")
    try:
        assert not any(method == "l" for method in _methods(db).values())
    finally:
        migrate.upgrade(db)
    assert {key for key, method in _methods(db).items() if method == "l"} == COLUMNS
