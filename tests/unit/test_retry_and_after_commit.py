"""The one retry policy and backoff, and the outbox flush that follows a commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from mailer.after_commit import queued, send_after_commit
from mailer.delivery import Tally
from mailer.retry import Backoff, RetryPolicy


def test_retry_policy_doubles_from_a_minute_to_two_hours_and_gives_up_at_its_limit() -> None:
    policy = RetryPolicy(max_attempts=10)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    delays = [policy.next_attempt_at(n, now) - now for n in (1, 2, 3, 8, 20)]
    assert delays == [timedelta(minutes=m) for m in (1, 2, 4, 120, 120)]
    assert not policy.gives_up(9)
    assert policy.gives_up(10)


def test_backoff_without_jitter_is_exact() -> None:
    backoff = Backoff(maximum=30, first=5)
    assert [backoff.next_delay() for _ in range(5)] == [5, 10, 20, 30, 30]
    backoff.reset()
    assert backoff.next_delay() == 5


def _session() -> Session:
    return Session(create_engine("sqlite://"))


def test_a_commit_that_queued_mail_flushes_once_inside_the_block_only() -> None:
    flushes: list[int] = []

    def flush() -> Tally:
        flushes.append(1)
        with _session() as inner, inner.begin():  # the flush's own transactions never flush again
            queued(inner)
        return Tally(sent=1)

    with _session() as session, session.begin():  # outside a block: nothing happens
        queued(session)
    assert flushes == []
    with send_after_commit(flush) as sending:
        with _session() as session, session.begin():
            session.execute(text("SELECT 1"))  # no mail queued: no flush
        with _session() as session, session.begin():
            with session.begin_nested():
                queued(session)
            assert flushes == []  # a savepoint is not the commit
        assert flushes == [1]
    assert sending.all_sent


def test_a_failing_flush_is_logged_not_raised() -> None:
    def flush() -> Tally:
        raise OSError("relay gone")

    with send_after_commit(flush) as sending, _session() as session, session.begin():
        queued(session)
    assert sending.errors == 1
    assert not sending.all_sent
