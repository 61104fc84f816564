"""Staff notices (notifications, daily summaries, follow-up reminders) and when each summary last went.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "user_id",
            sa.Integer(),
            sa.ForeignKey("staff_users.id", ondelete="CASCADE", name="fk_staff_notices_user_id_staff_users"),
            nullable=False,
        ),
        sa.Column(
            "case_id",
            sa.Integer(),
            sa.ForeignKey("cases.id", ondelete="CASCADE", name="fk_staff_notices_case_id_cases"),
            nullable=False,
        ),
        sa.Column(
            "case_message_id",
            sa.Integer(),
            sa.ForeignKey(
                "case_messages.id", ondelete="SET NULL", name="fk_staff_notices_case_message_id_case_messages"
            ),
            nullable=True,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("user_id", "case_id", "follow_up_on", name="uq_staff_notices_follow_up"),
    )
    op.create_index("ix_staff_notices_case_id", "staff_notices", ["case_id"])
    op.create_index("ix_staff_notices_user_sent", "staff_notices", ["user_id", "sent_at"])
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("summary_sent_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("summary_sent_at")
    op.drop_index("ix_staff_notices_user_sent", table_name="staff_notices")
    op.drop_index("ix_staff_notices_case_id", table_name="staff_notices")
    op.drop_table("staff_notices")
