"""Outbox results are committed in batches, like a newsletter's: a process that stops before its batch is
committed leaves a journal, and the next flush records those messages instead of sending them again."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from inbound.sources.base import Item
from kulturkluster.db import utcnow
from kulturkluster.wiring import Services
from mailer.models import OutgoingMessage, OutgoingStatus
from mailer.outbox_delivery import flush
from mailer.transport import Transport
from tests.integration.test_pipeline import make_mail, smtp_settings
from tests.servers.smtp import SmtpServer

Factory = Callable[..., Services]


class DiesAfter:
    """The relay accepts ``accepted`` messages, then the process is gone (SystemExit: no except catches
    it, as no code runs after a SIGKILL)."""

    def __init__(self, relay: Transport, accepted: int) -> None:
        self.relay, self.left = relay, accepted

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None:
        if self.left == 0:
            raise SystemExit("killed")
        self.relay.send(raw, sender, recipients)
        self.left -= 1

    def close(self) -> None:
        self.relay.close()


def _questions(svc: Services, count: int) -> None:
    mails = [make_mail("Fråga", sender=f"p{n}@example.se", message_id=f"p{n}@x") for n in range(count)]
    svc.pipeline.process([Item(raw, "t") for raw in mails])


def test_a_flush_stopped_before_its_batch_commit_sends_nobody_twice(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), mailer={"result_batch": 100})
    _questions(svc, 10)  # ten receipts in the outbox
    journal = svc.settings.data_dir / "outbox-journal"
    with pytest.raises(SystemExit):
        flush(svc.db, DiesAfter(svc.transport, 4), svc.retry, journal_dir=journal, batch=100)
    assert len(smtp.handler.received) == 4
    assert list(journal.glob("*.sent"))  # the four are noted there, not in the database
    with svc.db.unit_of_work() as session:
        assert session.scalars(select(OutgoingMessage).where(OutgoingMessage.status == "sent")).all() == []
        session.execute(update(OutgoingMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    svc.flush_outbox()  # the dead process's leases ran out: without the journal all ten would go again
    assert Counter(r.recipients[0] for r in smtp.handler.received).most_common(1)[0][1] == 1
    assert len(smtp.handler.received) == 10
    assert not list(journal.glob("*.sent"))
    with svc.db.unit_of_work() as session:
        statuses = Counter(session.scalars(select(OutgoingMessage.status)))
    assert statuses == Counter({OutgoingStatus.SENT: 10})


def test_a_flush_commits_its_results_in_batches(services_factory: Factory, smtp: SmtpServer) -> None:
    svc = services_factory(smtp=smtp_settings(smtp), mailer={"result_batch": 50})
    _questions(svc, 30)
    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    event.listen(svc.db.engine, "commit", count)
    try:
        svc.flush_outbox()
    finally:
        event.remove(svc.db.engine, "commit", count)
    assert len(smtp.handler.received) == 30
    assert len(commits) < 10  # the claim, one batch of results, the rest: not one per message
