"""Indexes for the evaluation report and a case's context: the consent log and newsletters by time, an issue's
recipients by subscriber, and
contacts by organisation (whatever its case).

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Covering: the report's queries on the log read only the index.
    op.create_index(
        "ix_consent_events_at_status", "consent_events", ["at", "new_status", "old_status", "subscriber_id"]
    )
    op.create_index("ix_newsletters_started_at", "newsletters", ["started_at"])
    op.create_index("ix_deliveries_newsletter_subscriber", "deliveries", ["newsletter_id", "subscriber_id"])
    op.create_index("ix_contacts_organisation_lower", "contacts", [sa.text("lower(trim(organisation))")])


def downgrade() -> None:
    op.drop_index("ix_contacts_organisation_lower", table_name="contacts")
    op.drop_index("ix_deliveries_newsletter_subscriber", table_name="deliveries")
    op.drop_index("ix_newsletters_started_at", table_name="newsletters")
    op.drop_index("ix_consent_events_at_status", table_name="consent_events")
