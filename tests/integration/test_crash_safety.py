"""A service process killed with SIGKILL mid-work loses nothing and does nothing twice on restart."""

from __future__ import annotations

import signal
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from inbound.models import InboundMessage
from kulturkluster.db import Database
from kulturkluster.wiring import Services
from mailer.models import OutgoingMessage
from subscribers import service
from subscribers.models import Status
from tests.integration.imap_helpers import append, folder_counts, imap_env, run_service
from tests.integration.test_pipeline import make_mail
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import SmtpServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SUBSCRIBERS = [f"person{n}@example.se" for n in range(5)]


@pytest.mark.parametrize("point", ["after_fetch", "after_commit"])
def test_kill_and_restart(
    point: str,
    db: Database,
    dovecot: DovecotServer,
    smtp: SmtpServer,
    services_factory: Callable[..., Services],
) -> None:
    append(
        dovecot, *(make_mail("Nyhetsbrev", sender=a, message_id=f"{n}@x") for n, a in enumerate(SUBSCRIBERS))
    )
    env = imap_env(dovecot, smtp, db.url)

    crashed = run_service(["-m", "tests.integration.crashing_cli", point], env)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert folder_counts(dovecot) == {"INBOX": 5}  # nothing was filed before the kill
    with db.unit_of_work() as session:
        stored = session.scalar(select(func.count()).select_from(InboundMessage))
    assert stored == (0 if point == "after_fetch" else 5)
    assert smtp.handler.received == []  # answers are sent only after the commit

    restarted = run_service(["-m", "kulturkluster.cli", "inbound", "run", "--once"], env)
    assert restarted.returncode == 0, restarted.stderr

    assert folder_counts(dovecot) == {"Behandlat/Prenumerationer": 5}
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 5
        assert session.scalar(select(func.count()).select_from(OutgoingMessage)) == 5
        assert all(service.get(session, a).status == Status.ACTIVE for a in SUBSCRIBERS)  # type: ignore[union-attr]
    assert sorted(r.recipients[0] for r in smtp.handler.received) == SUBSCRIBERS  # each welcomed exactly once
