"""Two senders on one campaign at the same time (two `mailer run` processes on one database): claims
skip each other's rows, so everyone gets exactly one copy."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import select

from kulturkluster.wiring import Services
from mailer.campaign_models import Delivery
from tests.servers.smtp import SmtpServer

from .newsletter_helpers import add_subscribers, assert_counted, draft, start

pytestmark = pytest.mark.integration


def test_two_workers_share_a_campaign_without_sending_anyone_twice(
    services_factory: Callable[..., Services], smtp: SmtpServer
) -> None:
    svc = services_factory(
        public_url="https://post.kk.test",
        smtp={"host": "127.0.0.1", "port": smtp.port, "security": "none"},
        mailer={"per_minute": 0, "per_day": 0, "concurrency": 2, "batch_size": 10, "result_batch": 4},
    )
    emails = add_subscribers(svc, 120)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    handled: list[int] = []
    gate = threading.Barrier(2)

    def worker() -> None:
        sender = svc.make_sender()
        gate.wait()
        done = 0
        try:
            while (result := sender.run_round()).handled or result.skipped:
                done += result.handled
        finally:
            sender.close()
        handled.append(done)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)

    got = Counter(r.recipients[0] for r in smtp.handler.received)
    assert sorted(got) == emails and set(got.values()) == {1}
    assert sum(handled) == 120
    with svc.db.unit_of_work() as session:
        statuses = Counter(
            session.scalars(select(Delivery.status).where(Delivery.newsletter_id == newsletter_id))
        )
    assert statuses == {"sent": 120}
    assert assert_counted(svc.db, newsletter_id) == {"sent": 120}  # two workers, one counter row
