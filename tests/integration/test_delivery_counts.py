"""The per-newsletter delivery counters stay equal to the rows counted by status, on SQLite and PostgreSQL:
through failures, retries, people leaving, a cancel, a crashed sender's journal and an erasure; and
``kulturkluster db recount`` repairs counters that drifted (or predate them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from typer.testing import CliRunner

from kulturkluster import migrate, privacy
from kulturkluster.cli import app
from kulturkluster.db import Database, utcnow
from kulturkluster.migrate import alembic_config
from kulturkluster.wiring import Services
from mailer import campaigns
from mailer.campaign_models import Delivery, DeliveryStatus, Newsletter
from mailer.progress import progress
from mailer.sent_journal import Accepted, LaneJournal
from subscribers import service
from subscribers.models import Channel
from subscribers.service import Evidence
from tests.servers.smtp import SmtpServer

from .newsletter_helpers import add_subscribers, assert_counted, draft, start
from .test_newsletter_sending import PUBLIC, UNLIMITED, drain, relay

pytestmark = pytest.mark.integration


def test_counters_follow_failures_retries_skips_cancel_journal_and_erasure(
    services_factory: Callable[..., Services], smtp: SmtpServer, tmp_path: Path
) -> None:
    svc = services_factory(
        public_url=PUBLIC,
        smtp=relay(smtp),
        mailer=UNLIMITED | {"concurrency": 1, "batch_size": 5, "result_batch": 3},
        data_dir=tmp_path / "var",
    )
    emails = add_subscribers(svc, 12)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    assert assert_counted(svc.db, newsletter_id) == {"queued": 12}
    with svc.db.unit_of_work() as session:  # left after the snapshot: skipped
        service.unsubscribe(session, emails[0], Evidence(Channel.LINK))

    # A crashed sender's journal lists two deliveries the relay accepted, one of them already recorded.
    with svc.db.unit_of_work() as session:
        first, second = session.scalars(
            select(Delivery.id).where(Delivery.email.in_(emails[1:3])).order_by(Delivery.id)
        ).all()
        session.execute(update(Delivery).where(Delivery.id == second).values(status=DeliveryStatus.SENDING))
    journal = LaneJournal(svc.settings.data_dir / "mailer-journal")
    for delivery_id in (first, second, first):
        journal.note(Accepted(delivery_id, 1, f"{delivery_id}@kk.test", utcnow()))
    journal.close(clean=False)

    smtp.handler.fail_with = ["550 5.1.1 user unknown", "451 4.3.0 try again later"]
    drain(svc)
    assert len(smtp.handler.received) == 7  # the journal's two were recorded, not sent again
    # the journal's two, seven sent now, one refused for good, one deferred, one skipped
    assert assert_counted(svc.db, newsletter_id) == {"sent": 9, "failed": 1, "skipped": 1, "queued": 1}
    with svc.db.unit_of_work() as session:  # the deferred one becomes due and goes
        session.execute(
            update(Delivery)
            .where(Delivery.status == DeliveryStatus.QUEUED)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    drain(svc)
    assert assert_counted(svc.db, newsletter_id)["sent"] == 10
    with svc.db.unit_of_work() as session:
        newsletter = session.get(Newsletter, newsletter_id)
        assert newsletter is not None
        state = progress(session, newsletter, svc.limits)
    assert (state.sent, state.failed, state.skipped, state.remaining, state.total) == (10, 1, 1, 0, 12)

    cancelled_id = draft(svc)
    start(svc, cancelled_id)
    with svc.db.unit_of_work() as session:
        cancelled = campaigns.cancel(session, campaigns.get(session, cancelled_id))
    assert assert_counted(svc.db, cancelled_id) == {"cancelled": cancelled}

    with svc.db.unit_of_work() as session:  # erased: the rows go, and so do their counts
        privacy.erase_person(session, emails[5], svc.attachments)
    assert assert_counted(svc.db, newsletter_id)["sent"] == 9
    assert assert_counted(svc.db, cancelled_id) == {"cancelled": cancelled - 1}


def test_recount_repairs_counters(
    services_factory: Callable[..., Services], db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    svc = services_factory(public_url=PUBLIC)
    add_subscribers(svc, 4)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    with svc.db.unit_of_work() as session:  # as a campaign from before the counters looks
        session.execute(
            update(Newsletter)
            .where(Newsletter.id == newsletter_id)
            .values(remaining_count=0, sent_count=7, failed_count=0, skipped_count=0, cancelled_count=0)
        )
    monkeypatch.setenv("KK_DATABASE_URL", db.url)
    monkeypatch.setenv("KK_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KK_ORG__ADDRESS", "kulturkluster@kulturkluster.test")
    result = CliRunner().invoke(app, ["db", "recount"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 hade fel siffror" in result.stdout
    assert assert_counted(svc.db, newsletter_id) == {"queued": 4}
    again = CliRunner().invoke(app, ["db", "recount"], catch_exceptions=False)
    assert "0 hade fel siffror" in again.stdout


def test_the_migration_counts_the_campaigns_sent_before_it(db: Database) -> None:
    from alembic import command

    config = alembic_config(db.url)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0019")
    now = utcnow()
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO newsletters (id, template, subject, preheader, content, status, created_by, "
                "created_at, updated_at, forced, total) VALUES "
                "(41, 'default', 'Hej', '', '# Hej', 'sending', 'test', :now, :now, false, 6)"
            ),
            {"now": now},
        )
        for i, status in enumerate(("sent", "sent", "failed", "queued", "sending", "skipped")):
            conn.execute(
                text(
                    "INSERT INTO deliveries (newsletter_id, email, name, status, attempts, next_attempt_at) "
                    "VALUES (41, :email, '', :status, 0, :now)"
                ),
                {"email": f"p{i}@mottagare.test", "status": status, "now": now},
            )
    migrate.upgrade(db)
    assert assert_counted(db, 41) == {"sent": 2, "failed": 1, "queued": 1, "sending": 1, "skipped": 1}
