"""Reports for the pilot's evaluation: pure functions over counts the database grouped (``report_queries``).

Definitions (also in the README, since people compare these numbers across periods):
- A case counts in the month it was received (UTC); merged-away cases and newsletter sign-ups do not count.
- Time to first response and to close are in hours from receipt; only cases received in the period that
  have a first response (or were closed) count for each.
- Median: the middle value, or the mean of the two middle values. 90th percentile: nearest rank, the
  smallest value that at least 90 % of the values are at or below.
- Backlog: cases received before the end of the period and not closed by then, by age at the end.
- Municipality: the requester's, as one of Sörmland's nine (``cases.municipalities``) or "annan".
- Repeat actors: organisations (or, without one, requesters) with more than one case in the period.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from .models import ActorType, Channel, FocusArea
from .municipalities import CHOICES as MUNICIPALITIES
from .municipalities import official

NOT_SET = t("reports.not_set")
BACKLOG_BUCKETS: tuple[tuple[str, int | None], ...] = (
    (t("reports.age_days", low=0, high=7), 7),
    (t("reports.age_days", low=8, high=30), 30),
    (t("reports.age_days", low=31, high=90), 90),
    (t("reports.age_over", days=90), None),
)
MAX_PERIOD_DAYS = 10 * 366  # a report over more years than this is a typo (and a slow page)
FOCUS_KEYS = (*(f.value for f in FocusArea), NOT_SET)
ACTOR_KEYS = (*(a.value for a in ActorType), NOT_SET)
CHANNEL_KEYS = tuple(c.value for c in Channel)
MUNICIPALITY_KEYS = (*MUNICIPALITIES, NOT_SET)


@dataclass(frozen=True, slots=True)
class CaseCell:
    """How many cases of the period share a month, focus area, actor type, channel and typed municipality."""

    month: str  # "2026-03"
    focus_area: str | None
    actor_type: str | None
    channel: str
    municipality: str  # as typed
    count: int


@dataclass(frozen=True, slots=True)
class Durations:
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True, slots=True)
class RepeatActor:
    name: str
    cases: int


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: str
    total: int
    by_focus: dict[str, int]
    by_actor_type: dict[str, int]
    by_channel: dict[str, int] = field(default_factory=dict)
    by_municipality: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CaseReport:
    start: date
    end: date  # exclusive
    months: list[MonthRow] = field(default_factory=list)
    first_response: Durations = Durations(0, None, None)
    close: Durations = Durations(0, None, None)
    backlog: dict[str, int] = field(default_factory=dict)
    repeat_actors: list[RepeatActor] = field(default_factory=list)


def percentile_nearest_rank(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    rank = max(math.ceil(share * len(ordered)), 1)
    return ordered[rank - 1]


def durations(hours: Sequence[float]) -> Durations:
    if not hours:
        return Durations(0, None, None)
    return Durations(
        len(hours), round(statistics.median(hours), 1), round(percentile_nearest_rank(hours, 0.9), 1)
    )


def rounded(count: int, median: float | None, p90: float | None) -> Durations:
    """Durations the database worked out, rounded as ``durations`` rounds them."""
    if not count or median is None or p90 is None:
        return Durations(0, None, None)
    return Durations(count, round(float(median), 1), round(float(p90), 1))


def month_rows(cells: Iterable[CaseCell], start: date, end: date) -> list[MonthRow]:
    """Every month of [start, end) with its counts by focus area, actor type, channel and municipality."""
    months = {m: _empty_month() for m in months_between(start, end)}
    for cell in cells:
        counts = months.get(cell.month)
        if counts is None:
            continue
        counts["total"][""] += cell.count
        counts["focus"][cell.focus_area or NOT_SET] += cell.count
        counts["actor"][cell.actor_type or NOT_SET] += cell.count
        counts["channel"][cell.channel] = counts["channel"].get(cell.channel, 0) + cell.count
        counts["municipality"][official(cell.municipality) or NOT_SET] += cell.count
    return [
        MonthRow(
            month,
            c["total"][""],
            c["focus"],
            c["actor"],
            c["channel"],
            c["municipality"],
        )
        for month, c in months.items()
    ]


def _empty_month() -> dict[str, dict[str, int]]:
    return {
        "total": {"": 0},
        "focus": dict.fromkeys(FOCUS_KEYS, 0),
        "actor": dict.fromkeys(ACTOR_KEYS, 0),
        "channel": dict.fromkeys(CHANNEL_KEYS, 0),
        "municipality": dict.fromkeys(MUNICIPALITY_KEYS, 0),
    }


def backlog_bounds(at: datetime) -> list[tuple[str, datetime | None]]:
    """Each backlog bucket with the receipt time its cases are received after (None: any earlier)."""
    return [
        (name, None if limit is None else at - timedelta(days=limit + 1)) for name, limit in BACKLOG_BUCKETS
    ]


def at_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def months_between(start: date, end: date) -> list[str]:
    months = []
    year, month = start.year, start.month
    while date(year, month, 1) < end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_starts(start: date, end: date) -> list[date]:
    return [date(int(m[:4]), int(m[5:]), 1) for m in months_between(start, end)]


# -- the period ------------------------------------------------------------------------------------------


class InvalidPeriod(KulturklusterError):
    """A report period that cannot be read (not YYYY-MM-DD, or ending before it starts)."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class Period:
    """The days ``first`` to ``last``, both included."""

    first: date
    last: date

    @property
    def stop(self) -> date:
        """The day after ``last``: the report's exclusive end."""
        return self.last + timedelta(days=1)

    @property
    def start_at(self) -> datetime:
        return at_midnight(self.first)

    @property
    def end_at(self) -> datetime:
        return at_midnight(self.stop)


def parse_day(value: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidPeriod(t("reports.bad_date", value=value[:40])) from exc
    if not date(1900, 1, 1) <= day < date(9999, 1, 1):  # the period's end + 1 day must still be a date
        raise InvalidPeriod(t("reports.bad_date", value=value[:40]))
    return day


def parse_period(first: str, last: str) -> Period:
    period = Period(parse_day(first), parse_day(last))
    if period.last < period.first:
        raise InvalidPeriod(t("reports.bad_period", first=period.first, last=period.last))
    if (period.last - period.first).days > MAX_PERIOD_DAYS:
        raise InvalidPeriod(t("reports.period_too_long", years=MAX_PERIOD_DAYS // 365))
    return period
