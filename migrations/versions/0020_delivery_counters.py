"""Each newsletter's deliveries counted by outcome on the newsletter row (``mailer.delivery_counts``), so
the staff pages read five numbers instead of counting a million rows; filled from the rows once here.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("remaining_count", "sent_count", "failed_count", "skipped_count", "cancelled_count")
# The column of each delivery status (as in mailer.delivery_counts, frozen here).
BY_STATUS = {
    "queued": "remaining_count",
    "sending": "remaining_count",
    "sent": "sent_count",
    "failed": "failed_count",
    "skipped": "skipped_count",
    "cancelled": "cancelled_count",
}


def upgrade() -> None:
    with op.batch_alter_table("newsletters") as batch:
        for column in COLUMNS:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=False, server_default="0"))
    bind = op.get_bind()
    found: dict[int, dict[str, int]] = defaultdict(dict)
    rows = bind.execute(
        sa.text("SELECT newsletter_id, status, count(*) FROM deliveries GROUP BY newsletter_id, status")
    )
    for newsletter_id, status, count in rows:
        column = BY_STATUS[status]
        found[newsletter_id][column] = found[newsletter_id].get(column, 0) + int(count)
    for newsletter_id, counts in found.items():
        assignments = ", ".join(f"{column} = :{column}" for column in counts)
        bind.execute(
            sa.text(f"UPDATE newsletters SET {assignments} WHERE id = :id"),  # noqa: S608 (fixed names)
            {**counts, "id": newsletter_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("newsletters") as batch:
        for column in COLUMNS:
            batch.drop_column(column)
