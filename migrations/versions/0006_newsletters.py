"""Newsletters and their deliveries (one row per recipient, the sender's bookkeeping).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "newsletters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("template", sa.String(120), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("preheader", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("scheduled_at", _TS, nullable=True),
        sa.Column("started_at", _TS, nullable=True),
        sa.Column("finished_at", _TS, nullable=True),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("forced", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
    )
    op.create_index("ix_newsletters_status", "newsletters", ["status"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "newsletter_id", sa.Integer(), sa.ForeignKey("newsletters.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "subscriber_id", sa.Integer(), sa.ForeignKey("subscribers.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("lease_until", _TS, nullable=True),
        sa.Column("attempted_at", _TS, nullable=True),
        sa.Column("sent_at", _TS, nullable=True),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(255), nullable=True),
        sa.UniqueConstraint("newsletter_id", "email", name="uq_deliveries_newsletter_email"),
    )
    op.create_index("ix_deliveries_claim", "deliveries", ["newsletter_id", "status", "next_attempt_at"])
    op.create_index("ix_deliveries_attempted_at", "deliveries", ["attempted_at"])
    op.create_index("ix_outgoing_messages_sent_at", "outgoing_messages", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_outgoing_messages_sent_at", "outgoing_messages")
    op.drop_table("deliveries")
    op.drop_table("newsletters")
