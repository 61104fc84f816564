"""Reports for the pilot's evaluation: pure functions over plain case rows.

Definitions (also in the README, since people compare these numbers across periods):
- A case counts in the month it was received; merged-away cases do not count.
- Time to first response and to close are in hours from receipt; only cases received in the period that
  have a first response (or were closed) count for each.
- Median: the middle value, or the mean of the two middle values. 90th percentile: nearest rank, the
  smallest value that at least 90 % of the values are at or below.
- Backlog: cases received before the end of the period and not closed by then, by age at the end.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from .models import ActorType, FocusArea

NOT_SET = t("reports.not_set")
BACKLOG_BUCKETS: tuple[tuple[str, int | None], ...] = (
    (t("reports.age_days", low=0, high=7), 7),
    (t("reports.age_days", low=8, high=30), 30),
    (t("reports.age_days", low=31, high=90), 90),
    (t("reports.age_over", days=90), None),
)
MAX_PERIOD_DAYS = 10 * 366  # a report over more years than this is a typo (and a slow page)


@dataclass(frozen=True, slots=True)
class CaseRow:
    received_at: datetime
    first_response_at: datetime | None
    closed_at: datetime | None
    focus_area: str | None
    actor_type: str | None


@dataclass(frozen=True, slots=True)
class Durations:
    count: int
    median_hours: float | None
    p90_hours: float | None


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: str
    total: int
    by_focus: dict[str, int]
    by_actor_type: dict[str, int]


@dataclass(frozen=True, slots=True)
class CaseReport:
    start: date
    end: date  # exclusive
    months: list[MonthRow] = field(default_factory=list)
    first_response: Durations = Durations(0, None, None)
    close: Durations = Durations(0, None, None)
    backlog: dict[str, int] = field(default_factory=dict)


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


def case_report(rows: Sequence[CaseRow], start: date, end: date) -> CaseReport:
    """Everything for the period [start, end): per month, response and close times, backlog at the end."""
    begin, finish = _at(start), _at(end)
    in_period = [row for row in rows if begin <= row.received_at < finish]
    months = []
    for month in _months(start, end):
        cases = [row for row in in_period if row.received_at.strftime("%Y-%m") == month]
        focus = Counter(row.focus_area or NOT_SET for row in cases)
        actor = Counter(row.actor_type or NOT_SET for row in cases)
        months.append(
            MonthRow(
                month,
                len(cases),
                {key: focus.get(key, 0) for key in [*(f.value for f in FocusArea), NOT_SET]},
                {key: actor.get(key, 0) for key in [*(a.value for a in ActorType), NOT_SET]},
            )
        )
    first = [_hours(r.received_at, r.first_response_at) for r in in_period if r.first_response_at]
    closed = [_hours(r.received_at, r.closed_at) for r in in_period if r.closed_at and r.closed_at < finish]
    return CaseReport(start, end, months, durations(first), durations(closed), _backlog(rows, finish))


def _backlog(rows: Sequence[CaseRow], at: datetime) -> dict[str, int]:
    counts = dict.fromkeys((name for name, _limit in BACKLOG_BUCKETS), 0)
    for row in rows:
        if row.received_at >= at or (row.closed_at is not None and row.closed_at <= at):
            continue
        age_days = (at - row.received_at).days
        name = next(name for name, limit in BACKLOG_BUCKETS if limit is None or age_days <= limit)
        counts[name] += 1
    return counts


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def _at(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _months(start: date, end: date) -> list[str]:
    months = []
    year, month = start.year, start.month
    while date(year, month, 1) < end:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


# -- the period, and the report as tables (the CLI and the staff app both use these) --------------------


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
    def end_at(self) -> datetime:
        return _at(self.stop)


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


def period_report(rows: Sequence[CaseRow], period: Period) -> CaseReport:
    return case_report(rows, period.first, period.stop)


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One table of the report: ``name`` selects it (``report cases --table``, ``rapporter.csv?table=``)."""

    name: str
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


TABLE_NAMES = ("fokusomraden", "aktorstyper", "svarstider", "backlog")
CSV_HEADER = (t("reports.col_section"), t("reports.col_key"), t("reports.col_value"))


def report_tables(report: CaseReport) -> list[ReportTable]:
    """The report as the tables people read: per month by focus area, by actor type, times, backlog."""
    focus_keys = [*(f.value for f in FocusArea), NOT_SET]
    actor_keys = [*(a.value for a in ActorType), NOT_SET]
    return [
        ReportTable(
            "fokusomraden",
            t("reports.by_focus"),
            (t("reports.col_month"), t("reports.col_total"), *focus_keys),
            [(m.month, m.total, *(m.by_focus.get(k, 0) for k in focus_keys)) for m in report.months],
        ),
        ReportTable(
            "aktorstyper",
            t("reports.by_actor_type"),
            (t("reports.col_month"), *actor_keys),
            [(m.month, *(m.by_actor_type.get(k, 0) for k in actor_keys)) for m in report.months],
        ),
        ReportTable(
            "svarstider",
            t("reports.times"),
            ("", t("reports.col_count"), t("reports.col_median"), t("reports.col_p90")),
            [
                (name, d.count, d.median_hours, d.p90_hours)
                for name, d in (
                    (t("reports.to_first_response"), report.first_response),
                    (t("reports.to_close"), report.close),
                )
            ],
        ),
        ReportTable(
            "backlog",
            t("reports.backlog", day=(report.end - timedelta(days=1)).isoformat()),
            (t("reports.col_age"), t("reports.col_count")),
            list(report.backlog.items()),
        ),
    ]


def csv_rows(report: CaseReport, table: str | None = None) -> tuple[tuple[str, ...], list[list[object]]]:
    """Header and rows of the CSV download: the whole report in one long table (section, key, value),
    or one of ``report_tables`` as it is shown."""
    if table:
        found = next((tab for tab in report_tables(report) if tab.name == table), None)
        if found is None:
            raise InvalidPeriod(t("reports.unknown_table", name=table[:40], names=", ".join(TABLE_NAMES)))
        return found.header, [list(row) for row in found.rows]
    rows: list[list[object]] = []
    for month in report.months:
        rows.append([t("reports.csv_per_month"), month.month, month.total])
        rows += [[t("reports.csv_focus", month=month.month), key, n] for key, n in month.by_focus.items()]
        rows += [
            [t("reports.csv_actor", month=month.month), key, n] for key, n in month.by_actor_type.items()
        ]
    for name, d in ((t("reports.first_response"), report.first_response), (t("reports.close"), report.close)):
        section = t("reports.csv_time", name=name)
        rows += [
            [section, t("reports.col_count"), d.count],
            [section, t("reports.col_median"), d.median_hours],
            [section, t("reports.col_p90"), d.p90_hours],
        ]
    rows += [[t("reports.csv_backlog"), bucket, n] for bucket, n in report.backlog.items()]
    return CSV_HEADER, rows
