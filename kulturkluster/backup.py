"""``kulturkluster backup PATH`` / ``restore PATH``: a consistent copy while the service runs.

A backup is a directory: ``database.sqlite`` (SQLite's online backup API: a snapshot of one moment, taken
while writers go on) or ``database.dump`` (``pg_dump --format=custom``, one transaction's snapshot), the
attachment store under ``attachments/``, and ``manifest.json``. The database is copied first and the
attachments after it: attachment files are content-addressed and written before the row that names them
is committed, so every file the database snapshot refers to is already there when the files are copied.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from .errors import ErrorKind, KulturklusterError
from .texts import t

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.dump"
ATTACHMENTS = "attachments"


class BackupError(KulturklusterError):
    """A backup could not be written or read back; the message says what to do."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class Stores:
    """What a backup covers: the database and the files kept next to it."""

    database_url: str
    attachments_dir: Path


def backup(stores: Stores, target: Path) -> dict[str, object]:
    """Write a backup into ``target`` (a new or empty directory); returns the manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(t("backup.target_not_empty", path=target))
    target.mkdir(parents=True, exist_ok=True)
    url = make_url(stores.database_url)
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(stores.database_url), target / SQLITE_FILE)
        database = SQLITE_FILE
    else:
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                f"--file={target / PG_FILE}",
                _libpq(stores.database_url),
            ]
        )
        database = PG_FILE
    files = _copy_tree(stores.attachments_dir, target / ATTACHMENTS)
    manifest: dict[str, object] = {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "attachments": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def restore(stores: Stores, source: Path, *, force: bool = False) -> dict[str, object]:
    """Put a backup back: the database (replacing an empty or, with ``force``, any existing one) and files."""
    try:
        manifest: dict[str, object] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(t("backup.not_a_backup", path=source)) from exc
    url = make_url(stores.database_url)
    if url.get_backend_name() == "sqlite":
        if manifest["database"] != SQLITE_FILE:
            raise BackupError(t("backup.wrong_kind", path=source, kind="PostgreSQL", here="SQLite"))
        path = _sqlite_path(stores.database_url)
        if path.exists() and path.stat().st_size and not force:
            raise BackupError(t("backup.target_exists", path=path))
        path.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source / SQLITE_FILE, path)
    else:
        if manifest["database"] != PG_FILE:
            raise BackupError(t("backup.wrong_kind", path=source, kind="SQLite", here="PostgreSQL"))
        flags = ["--clean", "--if-exists"] if force else []
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--single-transaction",
                *flags,
                f"--dbname={_libpq(stores.database_url)}",
                str(source / PG_FILE),
            ]
        )
    _copy_tree(source / ATTACHMENTS, stores.attachments_dir)
    return manifest


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError(t("backup.memory_database"))
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: pages are copied in steps, restarting when a writer changed them."""
    if not source.exists():
        raise BackupError(t("backup.no_database", path=source))
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=1024)
        finally:
            dst.close()
    finally:
        src.close()


def _copy_tree(source: Path, target: Path) -> int:
    """Copy the content-addressed files that are not there yet; returns how many the source holds."""
    count = 0
    if not source.is_dir():
        return 0
    for path in sorted(source.rglob("*")):
        if path.is_file():
            count += 1
            destination = target / path.relative_to(source)
            if not destination.exists():
                destination.parent.mkdir(parents=True, exist_ok=True)
                try:
                    shutil.copy2(path, destination)
                except FileNotFoundError:  # a store's temporary file, renamed while we looked
                    count -= 1
    return count


def _libpq(database_url: str) -> str:
    """The SQLAlchemy URL as libpq understands it (no ``+psycopg`` driver part)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    shown = " ".join([*command[:-1], "<database URL>"]) if command[0] == "pg_dump" else command[0]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(t("backup.pg_tool_missing", tool=command[0], command=shown)) from None
    if result.returncode != 0:
        error = (
            result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
        )
        raise BackupError(t("backup.pg_failed", tool=command[0], error=error))
