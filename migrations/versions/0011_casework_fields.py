"""Casework for a two-person office: a case's channel and follow-up day, each account's notice and signature.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("channel", sa.String(16), nullable=False, server_default="epost"))
        batch.add_column(sa.Column("follow_up_on", sa.Date(), nullable=True))
        batch.create_index("ix_cases_channel", ["channel"])
        batch.create_index("ix_cases_follow_up_on", ["follow_up_on"])
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("notify_mode", sa.String(16), nullable=False, server_default="every"))
        batch.add_column(sa.Column("notify_at", sa.String(5), nullable=False, server_default="08:00"))
        batch.add_column(sa.Column("signature", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("signature")
        batch.drop_column("notify_at")
        batch.drop_column("notify_mode")
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_follow_up_on")
        batch.drop_index("ix_cases_channel")
        batch.drop_column("follow_up_on")
        batch.drop_column("channel")
