"""PostgreSQL: the stored mail is compressed with LZ4 instead of the default pglz.

Every answer the outbox holds carries its raw message (~10 KB, HTML and text), and longer inbound mail
its raw bytes; PostgreSQL compresses values over ~2 KB when it writes them. pglz took ~120 µs of the
server's time per answer, LZ4 ~30 µs, for the same size within 7 %; reading them back (sending, the
staff pages' "show original") is faster too. Only rows written from now on are affected, so the upgrade
is instant. Skipped where the server was built without LZ4 (it then keeps pglz), and on SQLite, which
does not compress.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    ("outgoing_messages", "raw"),
    ("inbound_messages", "raw"),
    ("case_messages", "text"),
    ("case_messages", "html"),
]


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(
        text("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)")
    ).first()
    return found is not None


def _set(method: str) -> None:
    if not _lz4_available():
        return
    for table, column in COLUMNS:
        op.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET COMPRESSION {method}')


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("default")
