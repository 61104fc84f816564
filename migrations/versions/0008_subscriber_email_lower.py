"""An index on lower(email): imports and staff find an address whatever the case of its local part.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_subscribers_email_lower", "subscribers", [sa.text("lower(email)")])


def downgrade() -> None:
    op.drop_index("ix_subscribers_email_lower", table_name="subscribers")
