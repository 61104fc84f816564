"""An index for the staff pages at a million subscribers: (PostgreSQL with pg_trgm) searching for part
of an address or name. Each index slows every insert (a CSV import of a million rows), so only this one;
the month's list changes on Översikt read ``ix_consent_events_at_status`` (0015).

``CREATE EXTENSION pg_trgm`` needs a role allowed to create it; without that (or without the contrib
package) the trigram indexes are left out and search still works, by scanning.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# One index over address and name together, as the staff search reads them (staff_actions.search_text):
# each trigram index roughly doubles the cost of inserting a subscriber, so one, not one per column.
TRIGRAM_INDEXES = {"ix_subscribers_search_trgm": "lower((email || ' ' || name))"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql" and _trigrams_available():
        for name, expression in TRIGRAM_INDEXES.items():
            op.create_index(
                name,
                "subscribers",
                [sa.text(f"{expression} gin_trgm_ops")],
                postgresql_using="gin",
            )


def _trigrams_available() -> bool:
    bind = op.get_bind()
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("pg_trgm not available (%s): subscriber search will scan the list", exc.orig)
        return False
    savepoint.commit()
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
