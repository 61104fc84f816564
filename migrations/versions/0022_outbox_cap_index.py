"""An index for the automatic-answer caps (``mailer.outbox``): each inbound batch counts the automatic
answers of the last hour and, for its senders, of the last day. Without it both counts read every queued
or sent row through the status index (the rows carry their raw message), so they grew with the outbox:
~35 ms each at 20,000 rows on SQLite. The index leads with ``automatic`` and ``created_at`` and holds the
other columns the counts read, so each is a range scan of the index alone.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["automatic", "created_at", "status", "kind", "to_address"]


def upgrade() -> None:
    op.create_index("ix_outgoing_messages_automatic_recent", "outgoing_messages", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_outgoing_messages_automatic_recent", table_name="outgoing_messages")
