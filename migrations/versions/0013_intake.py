"""Casework from outside the mail inbox: contacts without an address (a phone call), and where the reading
of the shared mailbox's Sent folder got to.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The unique constraint stays: it holds for every address, and NULLs never collide.
    with op.batch_alter_table("contacts") as batch:
        batch.alter_column("email", existing_type=sa.String(320), nullable=True)
        batch.add_column(sa.Column("phone", sa.String(40), nullable=False, server_default=""))
    op.create_table(
        "imap_sent_state",
        sa.Column("folder", sa.String(255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("folder", name=op.f("pk_imap_sent_state")),
    )


def downgrade() -> None:
    op.drop_table("imap_sent_state")
    op.execute("UPDATE contacts SET email = 'okand-' || id || '@saknas.invalid' WHERE email IS NULL")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("phone")
        batch.alter_column("email", existing_type=sa.String(320), nullable=False)
