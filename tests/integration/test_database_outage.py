"""The sender keeps going through a database outage, or says loudly that it can't.

Against a real PostgreSQL whose backends the test terminates mid-campaign (``pg_terminate_backend``),
and a real SMTP server (aiosmtpd): every recipient gets the newsletter exactly once, without a restart.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient

from kulturkluster.web import create_app
from kulturkluster.wiring import Services
from kulturkluster.worker_health import WorkerHealth
from mailer import worker
from mailer.sender import Round
from tests.servers.smtp import SmtpServer

from .newsletter_helpers import add_subscribers, draft, start
from .test_newsletter_sending import UNLIMITED, relay, statuses

pytestmark = pytest.mark.integration


def test_terminated_backends_mid_campaign_lose_and_repeat_nobody(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(
        public_url="https://post.kk.test",
        smtp=relay(smtp),
        # A claim whose commit reached the server while its connection died leaves its rows leased: the
        # lease running out is what gives them back (5 minutes in production, seconds here).
        mailer=UNLIMITED | {"batch_size": 5, "lease_seconds": 5},
    )
    if svc.db.dialect != "postgresql":
        pytest.skip("terminating backends needs PostgreSQL")
    emails = add_subscribers(svc, 60)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    original = smtp.handler.handle_DATA

    async def slow_data(*args: Any) -> str:
        await asyncio.sleep(0.02)  # a relay at a realistic pace, so the outages land mid-campaign
        return await original(*args)

    smtp.handler.handle_DATA = slow_data  # type: ignore[method-assign,assignment]
    stop = threading.Event()
    sender = svc.make_sender()
    loop = threading.Thread(
        target=worker.run, args=(sender, stop), kwargs={"poll_interval": 0.2, "max_backoff": 1.0}
    )
    loop.start()
    terminated = 0
    try:
        deadline = time.monotonic() + 90
        while len(smtp.handler.received) < len(emails) and time.monotonic() < deadline:
            time.sleep(0.15)
            if terminated < 8:
                with svc.db.engine.connect() as conn:
                    terminated += len(
                        conn.execute(
                            text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                                "AND backend_type = 'client backend'"
                            )
                        ).all()
                    )
        time.sleep(0.5)
    finally:
        stop.set()
        loop.join(timeout=30)
        sender.close()
    assert not loop.is_alive()
    assert terminated > 0
    received = Counter(r.recipients[0] for r in smtp.handler.received)
    missing, twice = set(emails) - set(received), [a for a, n in received.items() if n > 1]
    assert (missing, twice) == (set(), [])
    assert statuses(svc, newsletter_id) == {"sent": 60}


class _FlakySender:
    """A sender whose database goes away for two rounds."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.rounds = 0
        self.stopping = threading.Event()

    def run_round(self) -> Round:
        self.rounds += 1
        if self.rounds <= 2:
            raise OperationalError(
                "SELECT 1", {}, Exception("terminating connection due to administrator command")
            )
        self.stop.set()
        return Round()


def test_the_mailer_loop_waits_for_the_database_instead_of_dying() -> None:
    stop = threading.Event()
    flaky = _FlakySender(stop)
    worker.run(flaky, stop, poll_interval=0.01, max_backoff=0.05)  # type: ignore[arg-type]
    assert flaky.rounds == 3


def test_a_dead_worker_makes_healthz_503_naming_it(services_factory: Callable[..., Services]) -> None:
    svc = services_factory(public_url="https://post.kk.test")
    client = TestClient(create_app(svc), base_url="https://post.kk.test")
    assert client.get("/healthz").status_code == 200
    stopped = threading.Event()

    def boom() -> None:
        raise RuntimeError("the mailer thread crashed")

    svc.workers.watched("mailer", boom, stopped.set)()
    response = client.get("/healthz")
    assert response.status_code == 503 and "mailer" in response.text and "crashed" in response.text
    assert stopped.is_set()  # serve stops, and exits non-zero (kulturkluster.cli.serve_cmd)
    assert WorkerHealth().dead() == {}
