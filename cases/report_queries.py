"""The evaluation report's numbers, grouped by the database (one pass over the period's rows per question).

Every query narrows by an indexed time column first (``cases.received_at``, ``consent_events.at``,
``newsletters.started_at``) and groups there; Python only reshapes the grouped counts (``cases.reports``).
Percentiles are worked out by PostgreSQL (``percentile_cont``/``percentile_disc``, the same definitions as
``reports.durations``); SQLite, for small installations, sends the hours and Python works them out.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import QueryableAttribute, Session

from mailer.campaign_models import Delivery, Newsletter
from subscribers import consent_days
from subscribers.models import ConsentEvent, Status, Subscriber

from .models import SUBSCRIPTION_TAG, Case, CaseTag, Contact
from .newsletter_report import (
    UNSUBSCRIBE_WINDOW_DAYS,
    IssueRow,
    NewsletterReport,
    list_changes,
    newsletter_months,
)
from .report_tables import Evaluation
from .reports import (
    CaseCell,
    CaseReport,
    Durations,
    Period,
    RepeatActor,
    backlog_bounds,
    durations,
    month_rows,
    month_starts,
    rounded,
)

LOCAL_TIME = ZoneInfo("Europe/Stockholm")


def evaluation(session: Session, period: Period) -> Evaluation:
    if _postgres(session):
        # A plan for this period's bounds, not psycopg's prepared statement's generic plan (used after a
        # page was shown five times), which guesses the period's size: a third more CPU at a million.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    return Evaluation(case_report(session, period), newsletter_report(session, period))


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def month_of(
    session: Session, column: QueryableAttribute[datetime]
) -> tuple[ColumnElement[Any], ColumnElement[str]]:
    """What to group a UTC timestamp column by to get months, and its "YYYY-MM" (SQLite stores them naive,
    in UTC). On PostgreSQL the text is made once per month, not once per row."""
    if _postgres(session):
        month = func.date_trunc("month", func.timezone("UTC", column))
        return month, func.to_char(month, "YYYY-MM")
    text = cast(func.strftime("%Y-%m", column), String)
    return text, text


def _counted(start: datetime, end: datetime) -> list[ColumnElement[bool]]:
    """The cases a report counts: received in [start, end), not merged away, not a newsletter sign-up."""
    sign_ups = select(CaseTag.case_id).where(CaseTag.tag == SUBSCRIPTION_TAG)
    return [
        Case.received_at >= start,
        Case.received_at < end,
        Case.merged_into_id.is_(None),
        Case.id.not_in(sign_ups),
    ]


def case_report(session: Session, period: Period) -> CaseReport:
    begin, finish = period.start_at, period.end_at
    month, label = month_of(session, Case.received_at)
    grouped = session.execute(
        select(label, Case.focus_area, Case.actor_type, Case.channel, Contact.municipality, func.count())
        .join(Contact, Contact.id == Case.contact_id)
        .where(*_counted(begin, finish))
        .group_by(month, Case.focus_area, Case.actor_type, Case.channel, Contact.municipality)
    )
    cells = [
        CaseCell(m, focus, actor, channel, place or "", n) for m, focus, actor, channel, place, n in grouped
    ]
    first, close = _times(session, begin, finish)
    return CaseReport(
        period.first,
        period.stop,
        month_rows(cells, period.first, period.stop),
        first,
        close,
        _backlog(session, finish),
        repeat_actors(session, begin, finish),
    )


def _times(session: Session, begin: datetime, finish: datetime) -> tuple[Durations, Durations]:
    """Hours to first response and to close (closed before the period's end), in one pass."""
    answered = Case.first_response_at.is_not(None)
    closed = and_(Case.closed_at.is_not(None), Case.closed_at < finish)
    if _postgres(session):
        to_answer = func.extract("epoch", Case.first_response_at - Case.received_at) / 3600.0
        to_close = func.extract("epoch", Case.closed_at - Case.received_at) / 3600.0
        row = session.execute(
            select(
                func.count().filter(answered),
                func.percentile_cont(0.5).within_group(to_answer).filter(answered),
                func.percentile_disc(0.9).within_group(to_answer).filter(answered),
                func.count().filter(closed),
                func.percentile_cont(0.5).within_group(to_close).filter(closed),
                func.percentile_disc(0.9).within_group(to_close).filter(closed),
            ).where(*_counted(begin, finish), or_(answered, closed))
        ).one()
        return rounded(*row[:3]), rounded(*row[3:])
    to_answer_sqlite = (func.julianday(Case.first_response_at) - func.julianday(Case.received_at)) * 24.0
    to_close_sqlite = (func.julianday(Case.closed_at) - func.julianday(Case.received_at)) * 24.0
    rows = session.execute(
        select(
            case((answered, to_answer_sqlite), else_=None),
            case((closed, to_close_sqlite), else_=None),
        ).where(*_counted(begin, finish), or_(answered, closed))
    ).all()
    return (
        durations([float(a) for a, _c in rows if a is not None]),
        durations([float(c) for _a, c in rows if c is not None]),
    )


def _backlog(session: Session, at: datetime) -> dict[str, int]:
    """Cases received before ``at`` and not closed by then, counted per age bucket in one pass."""
    sign_ups = select(CaseTag.case_id).where(CaseTag.tag == SUBSCRIPTION_TAG)
    bounds = backlog_bounds(at)
    columns = []
    for index, (_name, after) in enumerate(bounds):
        newer_than_previous = [Case.received_at <= b for _n, b in bounds[:index] if b is not None]
        condition = and_(*newer_than_previous, *([Case.received_at > after] if after is not None else []))
        columns.append(func.coalesce(func.sum(case((condition, 1), else_=0)), 0))
    counts = session.execute(
        select(*columns).where(
            Case.received_at < at,
            or_(Case.closed_at.is_(None), Case.closed_at > at),
            Case.merged_into_id.is_(None),
            Case.id.not_in(sign_ups),
        )
    ).one()
    return {name: int(n) for (name, _after), n in zip(bounds, counts, strict=True)}


def repeat_actors(session: Session, begin: datetime, finish: datetime, limit: int = 100) -> list[RepeatActor]:
    """Organisations (or requesters without one) with more than one case in the period, most cases first.

    Cases are counted per requester first (a number per row), then requesters per organisation."""
    per_requester = (
        select(Case.contact_id, func.count().label("n"))
        .where(*_counted(begin, finish))
        .group_by(Case.contact_id)
        .subquery()
    )
    organisation = func.lower(func.trim(Contact.organisation))
    who = case((organisation != "", organisation), else_=func.lower(Contact.email))
    cases = func.sum(per_requester.c.n)
    found = session.execute(
        select(func.max(Contact.organisation), func.max(Contact.name), func.max(Contact.email), cases)
        .join(per_requester, per_requester.c.contact_id == Contact.id)
        .group_by(who)
        .having(cases > 1)
        .order_by(cases.desc(), who)
        .limit(limit)
    )
    return [RepeatActor((org or "").strip() or name or email, int(n)) for org, name, email, n in found]


# -- the newsletter --------------------------------------------------------------------------------------

_ACTIVE = Status.ACTIVE.value


def newsletter_report(session: Session, period: Period) -> NewsletterReport:
    begin, finish = period.start_at, period.end_at
    active_now = session.scalar(select(func.count()).where(Subscriber.status == _ACTIVE)) or 0
    # The consent log counted per day (``subscribers.consent_days``): the months of the period, and
    # everything after it (to work the list size backwards from today's), in one statement.
    bounds = [max(start, period.first) for start in month_starts(period.first, period.stop)] + [period.stop]
    spans: list[tuple[str, date, date | None]] = [
        (f"{start:%Y-%m}", start, end) for start, end in pairwise(bounds)
    ]
    counted = consent_days.changes(session, [("", period.stop, None), *spans])
    net_since_end = sum(change.net for change in list_changes(c for c in counted if not c[0]).values())
    changes = list_changes(c for c in counted if c[0])
    months = newsletter_months(period.first, period.stop, active_now, net_since_end, changes)
    return NewsletterReport(months, issues(session, begin, finish))


def issues(session: Session, begin: datetime, finish: datetime) -> list[IssueRow]:
    """Each newsletter whose sending started in the period: recipients, delivered, failed (the counters
    the sender keeps on the newsletter, ``mailer.delivery_counts``, not a count of its deliveries), and
    how many of its recipients unsubscribed within 7 days of the start."""
    letters = session.execute(
        select(
            Newsletter.id,
            Newsletter.subject,
            Newsletter.started_at,
            Newsletter.remaining_count
            + Newsletter.sent_count
            + Newsletter.failed_count
            + Newsletter.skipped_count
            + Newsletter.cancelled_count,
            Newsletter.sent_count,
            Newsletter.failed_count,
        )
        .where(Newsletter.started_at >= begin, Newsletter.started_at < finish)
        .order_by(Newsletter.started_at, Newsletter.id)
    ).all()
    if not letters:
        return []
    windows = union_all(*(_left_within_window(row.id, row.started_at) for row in letters))
    left: dict[int, int] = {newsletter_id: n for newsletter_id, n in session.execute(windows)}
    return [
        IssueRow(subject, _local_day(started), recipients, sent, failed, left.get(newsletter_id, 0))
        for newsletter_id, subject, started, recipients, sent, failed in letters
        if started is not None  # always, by the WHERE clause
    ]


def _left_within_window(newsletter_id: int, started: datetime) -> Select[int, int]:
    """How many of an issue's recipients unsubscribed within 7 days of its start: the window's
    unsubscriptions first (``consent_events.at``), then whether each had the issue (its delivery)."""
    had_it = (
        select(Delivery.id)
        .where(Delivery.newsletter_id == newsletter_id, Delivery.subscriber_id == ConsentEvent.subscriber_id)
        .exists()
    )
    return select(
        literal(newsletter_id, Integer), func.count(func.distinct(ConsentEvent.subscriber_id))
    ).where(
        ConsentEvent.at >= started,
        ConsentEvent.at < started + timedelta(days=UNSUBSCRIBE_WINDOW_DAYS),
        ConsentEvent.new_status == Status.UNSUBSCRIBED,
        had_it,
    )


def _local_day(at: datetime) -> str:
    return at.astimezone(LOCAL_TIME).date().isoformat()
