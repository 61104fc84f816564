"""Schema migrations: upgrade to the newest revision, or tell whether the database is current.

Alembic is imported only to upgrade: telling whether the database is current (every command does, before
it starts) reads the revision ids from the migration files and one row from the database, which keeps
Alembic's ~20 MB of modules out of every long-running process.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from .db import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_REVISION = re.compile(r'^revision(?:: str)? = "([^"]+)"', re.MULTILINE)
_DOWN = re.compile(r'^down_revision(?:: [^=]+)? = (?:"([^"]+)"|None)', re.MULTILINE)


def alembic_config(url: str) -> Config:
    from alembic.config import Config  # noqa: PLC0415 - only upgrades need Alembic

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    from alembic import command  # noqa: PLC0415 - only upgrades need Alembic

    config = alembic_config(db.url)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str | None:
    """The newest revision: the one no other migration names as its ``down_revision``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None and down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_current(db: Database) -> bool:
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):  # never migrated
            return False
        current = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return current == [head_revision()]
