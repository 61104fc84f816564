"""``kulturkluster backup`` under load, then ``restore`` into a fresh place: every case, subscriber, consent
event and attachment file that existed when the backup started is there, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cases.models import Case, CaseAttachment
from inbound.sources.base import Item
from kulturkluster.backup import BackupError, Stores, backup, restore
from kulturkluster.cli import app
from kulturkluster.db import Database
from kulturkluster.wiring import Services
from subscribers.models import ConsentEvent, Subscriber
from tests.integration.test_pipeline import make_mail
from tests.servers.databases import postgres_database

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def case_with_attachment(n: int) -> bytes:
    pdf = base64.b64encode(f"%PDF-1.4 ansökan {n}".encode()).decode()
    return (
        f"From: aktor{n}@teater.example\r\nSubject: Fråga {n}\r\nMessage-ID: <case{n}@teater>\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHur söker man?\r\n"
        "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment; filename=ansokan{n}.pdf\r\n\r\n{pdf}\r\n--b--\r\n"
    ).encode()


def snapshot(db: Database) -> dict[str, set[object]]:
    with db.unit_of_work() as session:
        return {
            "cases": set(session.scalars(select(Case.reference))),
            "subscribers": set(session.scalars(select(Subscriber.email))),
            "consent": set(session.scalars(select(ConsentEvent.id))),
            "files": set(
                session.scalars(select(CaseAttachment.sha256).where(CaseAttachment.sha256.is_not(None)))
            ),
        }


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'kulturkluster.db'}"
    else:
        with postgres_database() as url:
            yield url


def test_backup_under_load_then_restore_into_a_fresh_place(
    db: Database, services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    svc = services_factory()
    items = [
        Item(make_mail("Nyhetsbrev", sender=f"p{n}@example.se", message_id=f"s{n}@x"), "import")
        for n in range(20)
    ]
    items += [Item(case_with_attachment(n), "import") for n in range(10)]
    svc.pipeline.process(items)
    before = snapshot(db)
    assert len(before["cases"]) == 10 and len(before["subscribers"]) == 20 and len(before["files"]) == 10

    stop = threading.Event()

    def load() -> None:  # the service goes on handling mail while the backup runs
        n = 100
        while not stop.is_set():
            svc.pipeline.process([Item(case_with_attachment(n), "import")])
            svc.pipeline.process(
                [Item(make_mail("Nyhetsbrev", sender=f"p{n}@example.se", message_id=f"s{n}@x"), "import")]
            )
            n += 1

    worker = threading.Thread(target=load)
    worker.start()
    try:
        assert svc.settings.cases.attachments_dir is not None
        backup(Stores(db.url, svc.settings.cases.attachments_dir), tmp_path / "backup")
    finally:
        stop.set()
        worker.join()

    with fresh_database(db.dialect, tmp_path) as url:
        files = tmp_path / "restored" / "attachments"
        restore(Stores(url, files), tmp_path / "backup")
        restored_db = Database(url)
        try:
            after = snapshot(restored_db)
        finally:
            restored_db.dispose()
        for kind in ("cases", "subscribers", "consent", "files"):
            assert before[kind] <= after[kind], kind
        # consistent: every attachment the restored database names has its file
        assert all(isinstance(sha, str) and (files / sha[:2] / sha).is_file() for sha in after["files"])
        if db.dialect == "sqlite":  # a database that holds data is not overwritten by accident
            with pytest.raises(BackupError, match="--force"):
                restore(Stores(url, files), tmp_path / "backup")


def test_cli_backup_refuses_a_non_empty_target_and_restore_a_non_backup(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KK_DATABASE_URL", db.url)
    monkeypatch.setenv("KK_DATA_DIR", str(tmp_path / "var"))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    runner = CliRunner()
    result = runner.invoke(app, ["backup", str(tmp_path / "full")])
    assert result.exit_code != 0 and isinstance(result.exception, BackupError)
    result = runner.invoke(app, ["restore", str(tmp_path)])
    assert isinstance(result.exception, BackupError) and "manifest.json" in str(result.exception)
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
