"""LMTP inbound: Postfix's promise (250 means stored), 451 with the database down, 552 over the size limit,
and a retried delivery stored once, also after the server was killed mid-delivery. Delivered with the
stdlib's LMTP client.
"""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inbound.models import InboundMessage
from inbound.sources.lmtp import LmtpSource
from kulturkluster.db import Database
from kulturkluster.wiring import Services
from tests.conftest import ORG_ADDRESS
from tests.integration.test_pipeline import make_mail
from tests.servers.smtp import free_port

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[2]
SENDER = "anna@example.se"


def deliver(
    where: tuple[str, int] | str, raw: bytes, *, sender: str = SENDER
) -> dict[str, tuple[int, bytes]]:
    host, port = (where, 0) if isinstance(where, str) else where
    with smtplib.LMTP(host, port, timeout=30) as client:
        return client.sendmail(sender, [ORG_ADDRESS], raw)


def stored(db: Database) -> int:
    with db.unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(InboundMessage)) or 0


@pytest.fixture
def lmtp(services_factory: Callable[..., Services]) -> Iterator[Callable[..., LmtpSource]]:
    sources: list[LmtpSource] = []

    def start(
        *, lmtp: dict[str, object] | None = None, inbound: dict[str, object] | None = None
    ) -> LmtpSource:
        svc = services_factory(
            inbound={"source": "lmtp", **(inbound or {})}, lmtp=lmtp or {"port": free_port()}
        )
        source = svc.make_source()
        assert isinstance(source, LmtpSource)
        source.start()
        sources.append(source)
        return source

    yield start
    for source in sources:
        source.close()


def test_250_only_after_the_message_is_stored_and_a_retry_is_stored_once(
    db: Database, lmtp: Callable[..., LmtpSource]
) -> None:
    source = lmtp()
    where = (source.settings.host, source.settings.port)
    raw = make_mail("Nyhetsbrev", message_id="lmtp-1@example.se")
    assert deliver(where, raw) == {}
    assert stored(db) == 1
    with db.unit_of_work() as session:
        row = session.scalars(select(InboundMessage)).one()
        assert row.raw.startswith(b"Return-Path: <anna@example.se>\r\n")
        assert row.route == "subscribe" and row.source == "lmtp"
    assert deliver(where, raw) == {}  # Postfix retries after a lost 250: accepted, not stored again
    assert stored(db) == 1


def test_a_bounce_keeps_its_empty_return_path(db: Database, lmtp: Callable[..., LmtpSource]) -> None:
    source = lmtp()
    deliver((source.settings.host, source.settings.port), make_mail("Undeliverable: Hej"), sender="")
    with db.unit_of_work() as session:
        assert session.scalars(select(InboundMessage.raw)).one().startswith(b"Return-Path: <>\r\n")


def test_over_the_size_limit_is_552(db: Database, lmtp: Callable[..., LmtpSource]) -> None:
    source = lmtp(inbound={"max_message_bytes": 1000})
    with pytest.raises(smtplib.SMTPDataError) as refused:
        deliver((source.settings.host, source.settings.port), make_mail("Stort", body="xxxxxxxxxx\r\n" * 200))
    assert refused.value.smtp_code == 552
    assert stored(db) == 0


def test_unix_socket(db: Database, lmtp: Callable[..., LmtpSource], tmp_path: Path) -> None:
    path = tmp_path / "lmtp.sock"
    lmtp(lmtp={"socket": path})
    assert deliver(str(path), make_mail("Nyhetsbrev")) == {}
    assert stored(db) == 1


def test_database_down_is_451(services_factory: Callable[..., Services], tmp_path: Path) -> None:
    svc = services_factory(inbound={"source": "lmtp"}, lmtp={"port": free_port()})
    # A database that cannot be reached: the pipeline's transaction fails to begin.
    svc.db = Database(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'kk.db'}")
    source = svc.make_source()
    assert isinstance(source, LmtpSource)
    source.start()
    try:
        with pytest.raises(smtplib.SMTPDataError) as later:
            deliver((source.settings.host, source.settings.port), make_mail("Nyhetsbrev"))
        assert later.value.smtp_code == 451
    finally:
        source.close()


# -- killed between receipt and commit (and after the commit, before the 250) ----------------------------


def _env(db: Database, port: int, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "KK_DATA_DIR": str(tmp_path / "var"),
        "KK_DATABASE_URL": db.url,
        "KK_SECRET_KEY": "test-secret-key-0123456789",
        "KK_ORG__ADDRESS": ORG_ADDRESS,
        "KK_SUBSCRIBE__CONFIRM": "never",
        "KK_INBOUND__SOURCE": "lmtp",
        "KK_LMTP__PORT": str(port),
    }


def _server(args: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=output, stderr=output)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    process.wait()
    raise AssertionError(f"the LMTP server did not start: {log.read_text()}")


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before_commit", "after_commit"])
def test_killed_mid_delivery_then_retried_is_stored_once(point: str, db: Database, tmp_path: Path) -> None:
    port = free_port()
    env = _env(db, port, tmp_path)
    raw = make_mail("Nyhetsbrev", message_id=f"{point}@example.se")
    log = tmp_path / "server.log"
    crashing = _server(["-m", "tests.integration.crashing_lmtp", point], env, port, log)
    try:
        with pytest.raises((smtplib.SMTPServerDisconnected, ConnectionError)):
            deliver(("127.0.0.1", port), raw)
        assert crashing.wait(timeout=30) == -signal.SIGKILL
    finally:
        crashing.kill()
        crashing.wait()
    assert stored(db) == (1 if point == "after_commit" else 0)

    server = _server(["-m", "kulturkluster.cli", "inbound", "run"], env, port, log)  # Postfix retries later
    try:
        assert deliver(("127.0.0.1", port), raw) == {}
        assert stored(db) == 1
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0, log.read_text()
