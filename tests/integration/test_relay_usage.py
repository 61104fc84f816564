"""What the limits and the progress pages read without counting every row: the usage windows counted up
to their limit, and the pace measured over the latest thousand messages of a fast campaign."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert

from kulturkluster.db import Database, utcnow
from mailer.campaign_models import Delivery, DeliveryStatus, Newsletter, NewsletterStatus
from mailer.limits import Limits, budget
from mailer.progress import measured_pace
from mailer.relay_usage import read_usage


def _campaign(db: Database, attempted_seconds_ago: list[float]) -> int:
    now = utcnow()
    with db.unit_of_work() as session:
        newsletter = Newsletter(
            template="default", subject="Hej", content="# Hej", status=NewsletterStatus.SENDING, total=0
        )
        session.add(newsletter)
        session.flush()
        rows = [
            {
                "newsletter_id": newsletter.id,
                "email": f"p{i}@mottagare.test",
                "status": DeliveryStatus.SENT,
                "attempted_at": now - timedelta(seconds=ago),
            }
            for i, ago in enumerate(attempted_seconds_ago)
        ]
        if rows:
            session.execute(insert(Delivery), rows)
        return newsletter.id


def test_usage_is_counted_up_to_each_limit_and_keeps_the_oldest(db: Database) -> None:
    _campaign(db, [10, 20, 30, 3_000, 4_000, 5_000])  # three in the last minute, six today
    now = utcnow()
    with db.unit_of_work() as session:
        capped = read_usage(session, now, Limits(per_minute=2, per_day=4))
        roomy = read_usage(session, now, Limits(per_minute=100, per_day=100))
        unlimited = read_usage(session, now, Limits(per_minute=0, per_day=0))
    assert (capped.last_minute, capped.last_day) == (2, 4)
    assert budget(Limits(2, 4), capped) == 0
    assert (roomy.last_minute, roomy.last_day) == (3, 6)
    # the oldest in each window is the same whether counted whole or up to the limit
    assert capped.oldest_in_minute == roomy.oldest_in_minute
    assert capped.oldest_in_day == roomy.oldest_in_day
    assert roomy.oldest_in_day is not None and now - roomy.oldest_in_day > timedelta(seconds=4_900)
    assert (unlimited.last_minute, unlimited.last_day, unlimited.oldest_in_day) == (0, 0, None)


def test_pace_of_a_slow_and_of_a_fast_campaign(db: Database) -> None:
    slow = _campaign(db, [float(s) for s in range(0, 600, 20)])  # 30 in ten minutes
    fast = _campaign(db, [i * 0.1 for i in range(1_500)])  # ten a second for two and a half minutes
    idle = _campaign(db, [])
    with db.unit_of_work() as session:
        now = utcnow()
        assert measured_pace(session, slow, now) == 3.0
        pace = measured_pace(session, fast, now)
        assert measured_pace(session, idle, now) is None
    # the latest thousand went in about 100 seconds: ~600 a minute (not 1,500 over ten minutes)
    assert pace is not None and 500 < pace < 700
