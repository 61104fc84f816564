"""Two things the staff pages read instead of scanning at a million rows: case search by case, and the
consent log counted per day.

**Case search by case** (PostgreSQL): each case's thread as one ``tsvector`` in ``case_search``, with a GIN
index, kept by triggers on ``case_messages``; filled from the messages once here.

The staff inbox counts and ranks cases, not messages: with the words of a whole thread in one row per
case, a common word is one read of the matching cases' documents, instead of reading every matching
message and grouping them by case (``cases.search``). A table of its own, not a column of ``cases``: the
case rows stay narrow for the lists and reports that scan them, and a new message does not touch their
indexes.

- A new message appends its words (a row trigger: one small upsert).
- A changed, moved (a merge) or deleted message rebuilds the document of each case it touched (a statement
  trigger over the changed rows, so a merge of many messages rebuilds each case once).
- A ``tsvector`` holds at most 1 MB of words and positions: a case whose document would grow past that
  keeps what it has (its older messages stay findable) rather than refuse the new message.

SQLite needs nothing here: its FTS5 index stays per message and ``cases.search`` groups by case.
With pg_trgm (see 0019), the requesters' address, name and organisation get trigram indexes too, so the
search's "any part of who asked" half does not read every contact.

**Consent events per day** (both databases): ``consent_event_days`` holds how many events of each UTC day
went from one status to another, so the evaluation report sums a few rows per day instead of reading
every event of the period (~550,000 for a year at a million subscribers). Triggers on ``consent_events``
only ever add rows on PostgreSQL (a statement's counts per day; negative for deleted events), so concurrent writers,
such as an import beside a sign-up, never wait on one row; ``maintenance run`` folds past days
(``subscribers.consent_days``). PostgreSQL: statement triggers over the transition tables, one row per
day and change per statement. SQLite (one writer at a time): row triggers that add to the day's row.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

# The requester search (``cases.search.requesters``): part of an address, name or organisation.
CONTACT_TRIGRAMS = {
    "ix_contacts_email_trgm": "lower(email)",
    "ix_contacts_name_trgm": "lower(name)",
    "ix_contacts_organisation_trgm": "lower(organisation)",
}

# The documents of the cases whose ids ``changed`` (a query) lists, again from all of their messages.
_REBUILD = """
    DELETE FROM case_search WHERE case_id IN ({changed});
    INSERT INTO case_search (case_id, document)
    SELECT case_id, kk_tsvector_agg(search_vector ORDER BY id) FROM case_messages
    WHERE case_id IN ({changed}) GROUP BY case_id"""

# The cases an UPDATE touched: a message moved away or in (a merge), or its words changed (anonymised).
_CHANGED = (
    "FROM old_messages o JOIN new_messages n ON n.id = o.id WHERE o.case_id <> n.case_id OR "
    "o.search_vector IS DISTINCT FROM n.search_vector"
)
_MOVED_OR_REWORDED = f"SELECT o.case_id {_CHANGED} UNION SELECT n.case_id {_CHANGED}"

CASE_SEARCH = (
    # ``doc || more``, unless the result would pass tsvector's size limit: then ``doc`` as it is. The sizes
    # are of uncompressed copies (``|| ''``), so a compressed stored value cannot slip under the limit.
    """CREATE FUNCTION kk_tsvector_append(doc tsvector, more tsvector) RETURNS tsvector
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    DECLARE
        whole tsvector := coalesce(doc, ''::tsvector) || ''::tsvector;
    BEGIN
        IF more IS NULL THEN
            RETURN whole;
        END IF;
        IF pg_column_size(whole) + pg_column_size(more || ''::tsvector) > 1000000 THEN
            RETURN whole;
        END IF;
        RETURN whole || more;
    END $$""",
    "CREATE AGGREGATE kk_tsvector_agg(tsvector) (SFUNC = kk_tsvector_append, STYPE = tsvector, INITCOND = '')",
    """CREATE TABLE case_search (
        case_id integer PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
        document tsvector NOT NULL
    )""",
    """CREATE FUNCTION kk_case_search_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO case_search AS s (case_id, document)
        VALUES (NEW.case_id, coalesce(NEW.search_vector, ''::tsvector))
        ON CONFLICT (case_id) DO UPDATE SET document = kk_tsvector_append(s.document, excluded.document);
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION kk_case_search_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            {_REBUILD.format(changed="SELECT case_id FROM old_messages")};
        ELSE
            {_REBUILD.format(changed=_MOVED_OR_REWORDED)};
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER case_messages_search_added AFTER INSERT ON case_messages
    FOR EACH ROW EXECUTE FUNCTION kk_case_search_added()""",
    """CREATE TRIGGER case_messages_search_updated AFTER UPDATE ON case_messages
    REFERENCING OLD TABLE AS old_messages NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION kk_case_search_changed()""",
    """CREATE TRIGGER case_messages_search_deleted AFTER DELETE ON case_messages
    REFERENCING OLD TABLE AS old_messages
    FOR EACH STATEMENT EXECUTE FUNCTION kk_case_search_changed()""",
    """INSERT INTO case_search (case_id, document)
    SELECT case_id, kk_tsvector_agg(search_vector ORDER BY id) FROM case_messages GROUP BY case_id""",
    "CREATE INDEX ix_case_search_document ON case_search USING gin (document)",
)


_COUNT_DAYS = """INSERT INTO consent_event_days (day, old_status, new_status, events)
    SELECT (at AT TIME ZONE 'UTC')::date, coalesce(old_status, ''), new_status, {sign}count(*)
    FROM {rows} GROUP BY 1, 2, 3"""

POSTGRES_CONSENT_DAYS = (
    f"""CREATE FUNCTION kk_consent_days() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            {_COUNT_DAYS.format(sign="-", rows="removed_events")};
        END IF;
        IF TG_OP <> 'DELETE' THEN
            {_COUNT_DAYS.format(sign="", rows="added_events")};
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER consent_events_days_added AFTER INSERT ON consent_events
    REFERENCING NEW TABLE AS added_events FOR EACH STATEMENT EXECUTE FUNCTION kk_consent_days()""",
    """CREATE TRIGGER consent_events_days_updated AFTER UPDATE ON consent_events
    REFERENCING OLD TABLE AS removed_events NEW TABLE AS added_events
    FOR EACH STATEMENT EXECUTE FUNCTION kk_consent_days()""",
    """CREATE TRIGGER consent_events_days_deleted AFTER DELETE ON consent_events
    REFERENCING OLD TABLE AS removed_events FOR EACH STATEMENT EXECUTE FUNCTION kk_consent_days()""",
    _COUNT_DAYS.format(sign="", rows="consent_events"),
)

# SQLite has one writer at a time: each event adds to its day's row (unique per day and change).
_SQLITE_ONE = """INSERT INTO consent_event_days (day, old_status, new_status, events)
    VALUES (date({row}.at), coalesce({row}.old_status, ''), {row}.new_status, {n})
    ON CONFLICT (day, old_status, new_status) DO UPDATE SET events = events + excluded.events"""

SQLITE_CONSENT_DAYS = (
    "CREATE UNIQUE INDEX uq_consent_event_days_change ON consent_event_days (day, old_status, new_status)",
    f"""CREATE TRIGGER consent_events_days_added AFTER INSERT ON consent_events BEGIN
        {_SQLITE_ONE.format(row="NEW", n=1)};
    END""",
    f"""CREATE TRIGGER consent_events_days_updated AFTER UPDATE ON consent_events BEGIN
        {_SQLITE_ONE.format(row="OLD", n=-1)};
        {_SQLITE_ONE.format(row="NEW", n=1)};
    END""",
    f"""CREATE TRIGGER consent_events_days_deleted AFTER DELETE ON consent_events BEGIN
        {_SQLITE_ONE.format(row="OLD", n=-1)};
    END""",
    """INSERT INTO consent_event_days (day, old_status, new_status, events)
    SELECT date(at), coalesce(old_status, ''), new_status, count(*) FROM consent_events GROUP BY 1, 2, 3""",
)


def upgrade() -> None:
    op.create_table(
        "consent_event_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("old_status", sa.String(length=16), server_default="", nullable=False),
        sa.Column("new_status", sa.String(length=16), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_event_days")),
    )
    op.create_index(op.f("ix_consent_event_days_day"), "consent_event_days", ["day"])
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRES_CONSENT_DAYS if postgres else SQLITE_CONSENT_DAYS:
        op.execute(statement)
    if not postgres:
        # The report's "unsubscribed within 7 days of an issue" looks each person up here (migration 0015);
        # on SQLite, 0018 rebuilt the table without it, and each lookup read every delivery.
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_deliveries_newsletter_subscriber ON deliveries (newsletter_id, subscriber_id)"
        )
        return
    for statement in CASE_SEARCH:
        op.execute(statement)
    if _trigrams_available():
        for name, expression in CONTACT_TRIGRAMS.items():
            op.execute(f"CREATE INDEX {name} ON contacts USING gin ({expression} gin_trgm_ops)")


def _trigrams_available() -> bool:
    bind = op.get_bind()
    savepoint = bind.begin_nested()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("pg_trgm not available (%s): case search will scan the contacts", exc.orig)
        return False
    savepoint.commit()
    return True


def downgrade() -> None:
    for name in ("added", "updated", "deleted"):
        op.execute(f"DROP TRIGGER consent_events_days_{name}" + (" ON consent_events" if _postgres() else ""))
    if _postgres():
        op.execute("DROP FUNCTION kk_consent_days()")
    if not _postgres():
        op.execute("DROP INDEX uq_consent_event_days_change")
    op.drop_index(op.f("ix_consent_event_days_day"), table_name="consent_event_days")
    op.drop_table("consent_event_days")
    if not _postgres():
        return
    for name in CONTACT_TRIGRAMS:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for statement in (
        "DROP TRIGGER case_messages_search_deleted ON case_messages",
        "DROP TRIGGER case_messages_search_updated ON case_messages",
        "DROP TRIGGER case_messages_search_added ON case_messages",
        "DROP FUNCTION kk_case_search_changed()",
        "DROP FUNCTION kk_case_search_added()",
        "DROP TABLE case_search",
        "DROP AGGREGATE kk_tsvector_agg(tsvector)",
        "DROP FUNCTION kk_tsvector_append(tsvector, tsvector)",
    ):
        op.execute(statement)


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"
