"""The consent log counted per day (``consent_event_days``), on both databases: kept by the triggers for
single and bulk inserts and for deletions, folded without changing a sum, and read by the report with
the same figures as a count of the log itself."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from cases import report_queries
from cases.reports import Period
from kulturkluster.wiring import Services
from subscribers import consent_days
from subscribers.models import ConsentEvent, ConsentEventDay, Subscriber


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _log_counts(session: Session, first: datetime, stop: datetime) -> Counter[tuple[str | None, str]]:
    """The reference: the log itself, counted."""
    rows = session.execute(
        select(ConsentEvent.old_status, ConsentEvent.new_status, func.count())
        .where(ConsentEvent.at >= first, ConsentEvent.at < stop)
        .group_by(ConsentEvent.old_status, ConsentEvent.new_status)
    )
    return Counter({(old, new): n for old, new, n in rows})


def _day_counts(session: Session, first: date, stop: date) -> Counter[tuple[str | None, str]]:
    return Counter(
        {(old, new): n for _name, old, new, n in consent_days.changes(session, [("", first, stop)])}
    )


def _people(session: Session, count: int) -> list[Subscriber]:
    people = [Subscriber(email=f"d{i}@example.se", status="active") for i in range(count)]
    session.add_all(people)
    session.flush()
    return people


def _event(person: Subscriber, at: str, old: str | None, new: str) -> dict[str, object]:
    return {
        "subscriber_id": person.id,
        "at": _at(at),
        "action": "x",
        "old_status": old,
        "new_status": new,
        "channel": "email",
    }


def test_days_follow_inserts_bulk_inserts_and_deletions(services_factory: Callable[..., Services]) -> None:
    svc = services_factory()
    with svc.db.unit_of_work() as session:
        people = _people(session, 6)
        # One at a time, at the edges of days and months (UTC).
        session.add(ConsentEvent(**_event(people[0], "2025-01-31 23:59:59.999", None, "active")))
        session.flush()
        session.add(ConsentEvent(**_event(people[1], "2025-02-01 00:00:00", "pending", "active")))
        session.flush()
        # Many in one statement.
        session.execute(
            insert(ConsentEvent),
            [_event(p, f"2025-02-{10 + n:02d} 12:00", "active", "unsubscribed") for n, p in enumerate(people)]
            + [_event(p, "2025-03-01 08:00", None, "active") for p in people[:4]],
        )
    with svc.db.unit_of_work() as session:
        for first, stop in (
            ("2025-01-01", "2025-02-01"),
            ("2025-02-01", "2025-03-01"),
            ("2025-01-01", "2026-01-01"),
        ):
            expected = _log_counts(session, _at(first), _at(stop))
            assert _day_counts(session, date.fromisoformat(first), date.fromisoformat(stop)) == expected
        assert _day_counts(session, date(2025, 1, 31), date(2025, 2, 1)) == {(None, "active"): 1}
        assert _day_counts(session, date(2025, 2, 1), date(2025, 2, 2)) == {("pending", "active"): 1}
        # A subscriber erased: the log's rows go (cascade), and so do their counts.
        session.execute(delete(Subscriber).where(Subscriber.id.in_([people[0].id, people[5].id])))
    with svc.db.unit_of_work() as session:
        expected = _log_counts(session, _at("2025-01-01"), _at("2026-01-01"))
        assert expected[("active", "unsubscribed")] == 4 and expected[(None, "active")] == 3
        assert _day_counts(session, date(2025, 1, 1), date(2026, 1, 1)) == expected
        assert _day_counts(session, date(2025, 1, 31), date(2025, 2, 1)) == {}  # cancelled out


def test_folding_keeps_every_sum(services_factory: Callable[..., Services]) -> None:
    svc = services_factory()
    with svc.db.unit_of_work() as session:
        people = _people(session, 5)
        for n, person in enumerate(people):
            session.add(ConsentEvent(**_event(person, f"2025-04-0{1 + n % 2} 10:00", None, "active")))
            session.flush()  # one statement each: one row each on PostgreSQL
        session.add(ConsentEvent(**_event(people[0], "2025-04-03 10:00", "active", "bounced")))
    with svc.db.unit_of_work() as session:
        before = _day_counts(session, date(2025, 1, 1), date(2026, 1, 1))
        rows = session.scalar(select(func.count()).select_from(ConsentEventDay)) or 0
        removed = consent_days.compact(session, date(2025, 4, 3))  # the 3rd stays as it is
    with svc.db.unit_of_work() as session:
        assert _day_counts(session, date(2025, 1, 1), date(2026, 1, 1)) == before
        folded = 3 if svc.db.dialect == "postgresql" else 0  # SQLite adds to the day's one row already
        assert removed == folded
        assert session.scalar(select(func.count()).select_from(ConsentEventDay)) == rows - folded
        assert consent_days.compact(session, date(2025, 4, 3)) == 0  # folded already


def test_the_mailer_loop_folds_past_days_once_a_day(services_factory: Callable[..., Services]) -> None:
    """``serve`` and ``mailer run`` fold the day counts themselves, once a UTC day; nobody has to remember
    ``maintenance run``."""
    svc = services_factory()
    with svc.db.unit_of_work() as session:
        *first, last = _people(session, 4)
        for person in first:
            session.add(ConsentEvent(**_event(person, "2025-04-01 10:00", None, "active")))
            session.flush()
    svc.scheduled_round()
    with svc.db.unit_of_work() as session:
        assert session.scalars(select(ConsentEventDay.events)).all() == [3]
        session.add(ConsentEvent(**_event(session.merge(last), "2025-04-01 11:00", None, "active")))
    svc.scheduled_round()  # the same day: not again
    with svc.db.unit_of_work() as session:
        folded = [3, 1] if svc.db.dialect == "postgresql" else [4]
        assert sorted(session.scalars(select(ConsentEventDay.events)).all(), reverse=True) == folded


def test_the_report_reads_the_same_figures_as_the_log(services_factory: Callable[..., Services]) -> None:
    """The list per month from the day counts, beside the same figures worked out from the log."""
    svc = services_factory()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with svc.db.unit_of_work() as session:
        people = _people(session, 40)
        events = []
        for n, person in enumerate(people):
            joined = start + timedelta(days=n * 9, hours=n % 24)
            events.append(_event(person, joined.isoformat(), None if n % 3 else "pending", "active"))
            if n % 4 == 0:
                left = joined + timedelta(days=20, minutes=n)
                events.append(
                    _event(person, left.isoformat(), "active", "unsubscribed" if n % 8 else "bounced")
                )
                person.status = "unsubscribed" if n % 8 else "bounced"
        session.execute(insert(ConsentEvent), events)
    period = Period(date(2025, 3, 15), date(2025, 8, 31))  # from the middle of a month
    with svc.db.unit_of_work() as session:
        report = report_queries.newsletter_report(session, period)
        active_now = session.scalar(select(func.count()).where(Subscriber.status == "active")) or 0
        log = list(session.execute(select(ConsentEvent.at, ConsentEvent.old_status, ConsentEvent.new_status)))
    for month in report.months:
        first = max(date.fromisoformat(f"{month.month}-01"), period.first)
        stop = min(date(first.year + first.month // 12, first.month % 12 + 1, 1), period.stop)
        inside = [(old, new) for at, old, new in log if first <= at.astimezone(UTC).date() < stop]
        after = [(old, new) for at, old, new in log if at.astimezone(UTC).date() >= stop]
        net_after = sum((new == "active") - (old == "active") for old, new in after if old != new)
        assert month.list_size == active_now - net_after, month
        assert month.new == sum(new == "active" and old != new for old, new in inside), month
        assert month.unsubscribed == sum(new == "unsubscribed" for _old, new in inside), month
        assert month.bounced == sum(new == "bounced" for _old, new in inside), month
    assert [m.month for m in report.months] == [
        "2025-03",
        "2025-04",
        "2025-05",
        "2025-06",
        "2025-07",
        "2025-08",
    ]
    assert sum(m.new for m in report.months) > 0 and sum(m.unsubscribed for m in report.months) > 0


def test_the_report_plans_for_its_own_period(services_factory: Callable[..., Services]) -> None:
    """PostgreSQL: the report's statements are planned for the period asked for, never with a prepared
    statement's generic plan (which guesses the period's size); only for the report's transaction."""
    svc = services_factory()
    if svc.db.dialect != "postgresql":
        return
    with svc.db.unit_of_work() as session:
        report_queries.evaluation(session, Period(date(2025, 1, 1), date(2025, 12, 31)))
        assert session.scalar(text("SHOW plan_cache_mode")) == "force_custom_plan"
    with svc.db.unit_of_work() as session:
        assert session.scalar(text("SHOW plan_cache_mode")) == "auto"
