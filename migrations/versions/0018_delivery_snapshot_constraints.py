"""Deliveries without per-row checks, so a 1,000,000-recipient snapshot is one quick INSERT ... SELECT.

Every foreign-key check on ``deliveries`` ran once per inserted row (a lookup and a row lock on the
subscriber), and so did the unique index on (newsletter_id, email): together two thirds of the snapshot.
None of them protects anything the code does not already guarantee: the snapshot takes each active
subscriber once (their address is unique), newsletters are never deleted, and erasing a person deletes
their deliveries by address (``kulturkluster.privacy``); a delivery whose subscriber is gone is skipped
when claimed. The rate-limit index only holds rows handed to the relay (``attempted_at`` set).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TS = sa.DateTime(timezone=True)
_ATTEMPTED = sa.text("attempted_at IS NOT NULL")


def _deliveries(*constraints: sa.Constraint, metadata: sa.MetaData) -> sa.Table:
    """The table as SQLite's batch mode should rebuild it (SQLite cannot drop a constraint in place)."""
    return sa.Table(
        "deliveries",
        metadata,
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("newsletter_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
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
        *constraints,
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        table = _deliveries(metadata=sa.MetaData())
        with op.batch_alter_table("deliveries", copy_from=table, recreate="always"):
            pass
        op.create_index("ix_deliveries_claim", "deliveries", ["newsletter_id", "status", "next_attempt_at"])
    else:
        inspector = sa.inspect(op.get_bind())
        for foreign_key in inspector.get_foreign_keys("deliveries"):  # named by whoever made them
            if foreign_key["name"]:
                op.drop_constraint(foreign_key["name"], "deliveries", type_="foreignkey")
        op.drop_constraint("uq_deliveries_newsletter_email", "deliveries", type_="unique")
        op.drop_index("ix_deliveries_attempted_at", "deliveries")
    op.create_index(
        "ix_deliveries_attempted_at",
        "deliveries",
        ["attempted_at"],
        postgresql_where=_ATTEMPTED,
        sqlite_where=_ATTEMPTED,
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_attempted_at", "deliveries")
    if op.get_bind().dialect.name == "sqlite":
        table = _deliveries(
            sa.ForeignKeyConstraint(["newsletter_id"], ["newsletters.id"], ondelete="CASCADE"),
            sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"], ondelete="SET NULL"),
            sa.UniqueConstraint("newsletter_id", "email", name="uq_deliveries_newsletter_email"),
            metadata=sa.MetaData(),
        )
        with op.batch_alter_table("deliveries", copy_from=table, recreate="always"):
            pass
        op.create_index("ix_deliveries_claim", "deliveries", ["newsletter_id", "status", "next_attempt_at"])
    else:
        op.create_foreign_key(
            "fk_deliveries_newsletter_id_newsletters", "deliveries", "newsletters", ["newsletter_id"], ["id"],
            ondelete="CASCADE",
        )  # fmt: skip
        op.create_foreign_key(
            "fk_deliveries_subscriber_id_subscribers", "deliveries", "subscribers", ["subscriber_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip
        op.create_unique_constraint("uq_deliveries_newsletter_email", "deliveries", ["newsletter_id", "email"])
    op.create_index("ix_deliveries_attempted_at", "deliveries", ["attempted_at"])
