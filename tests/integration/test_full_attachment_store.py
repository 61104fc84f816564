"""A full attachment store: no half-written files, the mail quarantined with a reason staff understand,
and ``inbound reprocess`` stores it once there is space again. On a 64 KiB tmpfs when this may mount one,
otherwise with a store whose fsync reports ENOSPC while the "disk" is full."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from inbound.classify import Route
from inbound.models import InboundMessage
from kulturkluster.wiring import Services
from tests.conftest import ORG_ADDRESS
from tests.integration.test_pipeline import run, smtp_settings
from tests.servers.smtp import SmtpServer

pytestmark = pytest.mark.integration
Factory = Callable[..., Services]


_REAL_FSYNC = os.fsync


def _full(fd: int) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class SmallDisk:
    """A store folder that is full until ``free()`` is called."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        folder.mkdir()
        mount = ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)]
        self.tmpfs = subprocess.run(mount, capture_output=True, check=False).returncode == 0
        self.monkeypatch = monkeypatch
        if not self.tmpfs:  # the store's fsync (after its write) reports a full disk
            monkeypatch.setattr(os, "fsync", _full)

    def free(self) -> None:
        if self.tmpfs:
            subprocess.run(["mount", "-o", "remount,size=4m", str(self.folder)], check=True)
        else:
            self.monkeypatch.setattr(os, "fsync", _REAL_FSYNC)

    def close(self) -> None:
        if self.tmpfs:
            subprocess.run(["umount", str(self.folder)], check=False)


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmallDisk]:
    small = SmallDisk(tmp_path / "attachments", monkeypatch)
    yield small
    small.close()


def _question_with_attachment(size: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Anna Andersson <anna@example.se>"
    msg["To"] = ORG_ADDRESS
    msg["Subject"] = "Fråga om ansökan, bilaga"
    msg["Message-ID"] = "<big1@example.se>"
    msg.set_content("Hej, här är vår ansökan.")
    msg.add_attachment(os.urandom(size), maintype="application", subtype="pdf", filename="ansokan.pdf")
    return msg.as_bytes()


def test_a_full_store_quarantines_cleanly_and_reprocess_recovers(
    services_factory: Factory, smtp: SmtpServer, disk: SmallDisk
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), cases={"attachments_dir": disk.folder})
    assert run(svc, _question_with_attachment(200_000)) == [Route.QUARANTINE]
    assert [p for p in disk.folder.rglob("*") if p.is_file()] == []  # nothing half-written
    with svc.db.unit_of_work() as session:
        row = session.scalars(select(InboundMessage)).one()
        assert "disken är troligen full" in (row.reason or "")
        assert "inbound reprocess" in (row.reason or "")
    disk.free()
    [outcome] = svc.pipeline.reprocess()
    assert outcome.route is Route.NEW_CASE
    [stored] = [p for p in disk.folder.rglob("*") if p.is_file()]
    assert stored.stat().st_size == 200_000 and not stored.name.startswith(".tmp-")
