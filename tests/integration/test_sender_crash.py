"""A real ``kulturkluster mailer run`` process killed with SIGKILL mid-campaign, twice, then restarted:
everyone gets the newsletter, and only messages in flight at a kill can arrive twice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from kulturkluster.db import Database, utcnow
from kulturkluster.wiring import Services
from mailer.campaign_models import Delivery, Newsletter, NewsletterStatus
from tests.servers.smtp import SmtpServer

from .newsletter_helpers import add_subscribers, assert_counted, draft, start

pytestmark = [pytest.mark.integration, pytest.mark.slow]
ROOT = Path(__file__).parents[2]
CONCURRENCY = 3


def _env(db: Database, smtp: SmtpServer, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "KK_DATA_DIR": str(tmp_path / "var"),
        "KK_DATABASE_URL": db.url,
        "KK_SECRET_KEY": "test-secret-key-0123456789",
        "KK_ORG__ADDRESS": "kulturkluster@kulturkluster.test",
        "KK_PUBLIC_URL": "https://post.kk.test",
        "KK_SMTP__HOST": "127.0.0.1",
        "KK_SMTP__PORT": str(smtp.port),
        "KK_SMTP__SECURITY": "none",
        "KK_MAILER__PER_MINUTE": "0",
        "KK_MAILER__PER_DAY": "0",
        "KK_MAILER__CONCURRENCY": str(CONCURRENCY),
        "KK_MAILER__BATCH_SIZE": "25",
        "KK_MAILER__LEASE_SECONDS": "1",  # a killed worker's batch is taken over a second later
        "KK_MAILER__POLL_INTERVAL": "0.2",
    }


def _run_until(env: dict[str, str], smtp: SmtpServer, received: int, log: Path) -> None:
    """Start the worker and SIGKILL it once the relay has accepted ``received`` messages."""
    with log.open("wb") as errors:
        worker = subprocess.Popen(
            [sys.executable, "-m", "kulturkluster.cli", "mailer", "run", "--no-progress"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
    deadline = time.monotonic() + 120
    try:
        while len(smtp.handler.received) < received:
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the worker sent too slowly"
            time.sleep(0.001)
    finally:
        worker.kill()  # SIGKILL: no cleanup, leases stay behind, a message may be mid-DATA
        worker.wait()


def test_kill_minus_nine_mid_campaign_then_resume(
    db: Database, smtp: SmtpServer, services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    svc = services_factory(public_url="https://post.kk.test")
    emails = add_subscribers(svc, 400)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    env = _env(db, smtp, tmp_path)

    _run_until(env, smtp, 80, tmp_path / "first.log")
    _run_until(env, smtp, 220, tmp_path / "second.log")
    time.sleep(1.5)  # the last leases run out
    finished = subprocess.run(
        [sys.executable, "-m", "kulturkluster.cli", "mailer", "run", "--once", "--no-progress"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr

    got = Counter(r.recipients[0] for r in smtp.handler.received)
    assert set(got) == set(emails)  # everyone
    twice = [address for address, n in got.items() if n > 1]
    assert all(n <= 2 for n in got.values())
    assert len(twice) <= 2 * CONCURRENCY  # at most the messages in flight at the two kills
    with db.unit_of_work() as session:
        statuses = Counter(
            session.scalars(select(Delivery.status).where(Delivery.newsletter_id == newsletter_id))
        )
        newsletter = session.get(Newsletter, newsletter_id)
        assert newsletter is not None and newsletter.status == NewsletterStatus.SENT
    assert statuses == {"sent": 400}
    assert assert_counted(db, newsletter_id) == {"sent": 400}  # the counters too, after two kills


def test_kill_before_the_batch_commit_sends_nobody_twice(
    db: Database, smtp: SmtpServer, services_factory: Callable[..., Services], tmp_path: Path
) -> None:
    """Results wait for a batch of 1,000: a kill leaves every sent message unrecorded in the database but
    noted in the journal, and the next worker records them instead of sending them again."""
    svc = services_factory(public_url="https://post.kk.test")
    emails = add_subscribers(svc, 120)
    newsletter_id = draft(svc)
    start(svc, newsletter_id)
    env = {**_env(db, smtp, tmp_path), "KK_MAILER__CONCURRENCY": "1", "KK_MAILER__BATCH_SIZE": "200"}
    env["KK_MAILER__RESULT_BATCH"] = "1000"

    _run_until(env, smtp, 50, tmp_path / "first.log")
    with db.unit_of_work() as session:
        recorded = session.scalars(select(Delivery.status).where(Delivery.status == "sent")).all()
    assert recorded == []  # nothing committed yet: the batch was not full
    assert list((tmp_path / "var" / "mailer-journal").glob("*.sent"))
    with db.unit_of_work() as session:  # the killed worker's leases run out (on a quick machine, within 1 s)
        session.execute(
            update(Delivery)
            .where(Delivery.status == "sending")
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    finished = subprocess.run(
        [sys.executable, "-m", "kulturkluster.cli", "mailer", "run", "--once", "--no-progress"],
        cwd=ROOT,
        env=env,  # the killed worker's leases (1 s) ran out: without the journal all 50 would go again
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr

    got = Counter(r.recipients[0] for r in smtp.handler.received)
    assert set(got) == set(emails)
    assert sum(n - 1 for n in got.values()) <= 1  # at most the one in flight at the kill
    assert not list((tmp_path / "var" / "mailer-journal").glob("*.sent"))
