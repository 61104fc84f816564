"""Bounce scores on subscribers (Mailman-style: permanent +1, temporary +0.5 a day, decay after a week).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as batch_op:
        batch_op.add_column(sa.Column("bounce_score", sa.Float(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_bounce_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_temporary_bounce_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscribers") as batch_op:
        batch_op.drop_column("last_temporary_bounce_at")
        batch_op.drop_column("last_bounce_at")
        batch_op.drop_column("bounce_score")
