"""``kulturkluster backup PATH`` and ``kulturkluster restore PATH``: the database and the attachment store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kulturkluster import backup as backups
from kulturkluster.settings import Settings
from kulturkluster.texts import t

from .output import console


def _stores() -> backups.Stores:
    settings = Settings()
    assert settings.cases.attachments_dir is not None
    return backups.Stores(settings.database_url, settings.cases.attachments_dir)


def backup(
    path: Annotated[Path, typer.Argument(help="A new (or empty) directory for the backup.")],
) -> None:
    """Write a consistent copy of the database and the attachment store while the service runs."""
    manifest = backups.backup(_stores(), path)
    console.print(t("cli.backup_done", path=path, files=manifest["attachments"]))


def restore(
    path: Annotated[Path, typer.Argument(help="A directory written by `kulturkluster backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a database that already holds data.")
    ] = False,
) -> None:
    """Put a backup back into the configured database and attachment store (stop the service first)."""
    manifest = backups.restore(_stores(), path, force=force)
    console.print(t("cli.restore_done", path=path, created=manifest["created_at"]))
