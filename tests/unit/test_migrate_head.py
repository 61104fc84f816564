"""``migrate.head_revision`` reads the migration files without Alembic: it must agree with Alembic."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from kulturkluster import migrate


def test_head_revision_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert migrate.head_revision() == script.get_current_head()
