"""Full-text search over case messages: PostgreSQL's Swedish configuration, SQLite FTS5 on stemmed text.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = (
    """CREATE TRIGGER case_messages_fts_insert AFTER INSERT ON case_messages BEGIN
        INSERT INTO case_messages_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER case_messages_fts_delete AFTER DELETE ON case_messages BEGIN
        INSERT INTO case_messages_fts(case_messages_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER case_messages_fts_update AFTER UPDATE OF search_text ON case_messages BEGIN
        INSERT INTO case_messages_fts(case_messages_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO case_messages_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE case_messages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
            "(to_tsvector('swedish', coalesce(subject, '') || ' ' || coalesce(text, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_case_messages_search_vector ON case_messages USING gin (search_vector)")
        op.add_column("case_messages", sa.Column("search_text", sa.Text(), nullable=True))
        return
    op.add_column("case_messages", sa.Column("search_text", sa.Text(), nullable=True))
    op.execute(
        "CREATE VIRTUAL TABLE case_messages_fts USING fts5(search_text, content='case_messages', content_rowid='id')"
    )
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO case_messages_fts(case_messages_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_case_messages_search_vector")
        op.drop_column("case_messages", "search_vector")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER case_messages_fts_{name}")
        op.execute("DROP TABLE case_messages_fts")
    with op.batch_alter_table("case_messages") as batch_op:
        batch_op.drop_column("search_text")
