"""Case search by case (PostgreSQL): each case's thread as one ``tsvector`` in ``case_search``, with a GIN
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

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

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

STATEMENTS = (
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


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
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
