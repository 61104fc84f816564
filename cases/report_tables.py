"""The evaluation report as the tables people read: on the staff page, in the CLI and in the CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from kulturkluster.texts import t

from .newsletter_report import NewsletterReport
from .reports import (
    ACTOR_KEYS,
    CHANNEL_KEYS,
    FOCUS_KEYS,
    MUNICIPALITY_KEYS,
    CaseReport,
    InvalidPeriod,
)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The whole report: casework and the newsletter over one period."""

    cases: CaseReport
    newsletter: NewsletterReport = field(default_factory=NewsletterReport)


@dataclass(frozen=True, slots=True)
class ReportTable:
    """One table of the report: ``name`` selects it (``report cases --table``, ``rapporter.csv?table=``)."""

    name: str
    title: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


TABLE_NAMES = (
    "fokusomraden",
    "aktorstyper",
    "kanaler",
    "kommuner",
    "svarstider",
    "backlog",
    "aterkommande",
    "nyhetsbrev",
    "utskick",
)
CSV_HEADER = (t("reports.col_section"), t("reports.col_key"), t("reports.col_value"))


def report_tables(evaluation: Evaluation) -> list[ReportTable]:
    """Per month by focus area, actor type, channel and municipality; times; backlog; repeat actors;
    the newsletter list per month and each issue."""
    report, letters = evaluation.cases, evaluation.newsletter
    months = report.months
    return [
        ReportTable(
            "fokusomraden",
            t("reports.by_focus"),
            (t("reports.col_month"), t("reports.col_total"), *FOCUS_KEYS),
            [(m.month, m.total, *(m.by_focus.get(k, 0) for k in FOCUS_KEYS)) for m in months],
        ),
        ReportTable(
            "aktorstyper",
            t("reports.by_actor_type"),
            (t("reports.col_month"), *ACTOR_KEYS),
            [(m.month, *(m.by_actor_type.get(k, 0) for k in ACTOR_KEYS)) for m in months],
        ),
        ReportTable(
            "kanaler",
            t("evaluation.by_channel"),
            (t("reports.col_month"), *(t(f"evaluation.channel.{k}") for k in CHANNEL_KEYS)),
            [(m.month, *(m.by_channel.get(k, 0) for k in CHANNEL_KEYS)) for m in months],
        ),
        ReportTable(
            "kommuner",
            t("evaluation.by_municipality"),
            (t("reports.col_month"), *MUNICIPALITY_KEYS),
            [(m.month, *(m.by_municipality.get(k, 0) for k in MUNICIPALITY_KEYS)) for m in months],
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
        ReportTable(
            "aterkommande",
            t("evaluation.repeat_actors", count=len(report.repeat_actors)),
            (t("evaluation.col_actor"), t("evaluation.col_cases")),
            [(actor.name, actor.cases) for actor in report.repeat_actors],
        ),
        ReportTable(
            "nyhetsbrev",
            t("evaluation.list_per_month"),
            (
                t("reports.col_month"),
                t("evaluation.col_list_size"),
                t("evaluation.col_new"),
                t("evaluation.col_unsubscribed"),
                t("evaluation.col_bounced"),
            ),
            [(m.month, m.list_size, m.new, m.unsubscribed, m.bounced) for m in letters.months],
        ),
        ReportTable(
            "utskick",
            t("evaluation.issues"),
            (
                t("evaluation.col_issue"),
                t("evaluation.col_started"),
                t("evaluation.col_recipients"),
                t("evaluation.col_delivered"),
                t("evaluation.col_failed"),
                t("evaluation.col_unsubscribed_7"),
            ),
            [
                (i.subject, i.started, i.recipients, i.delivered, i.failed, i.unsubscribed_within_7_days)
                for i in letters.issues
            ],
        ),
    ]


def check_table(name: str) -> None:
    """Refuse an unknown table name before any query runs."""
    if name not in TABLE_NAMES:
        raise InvalidPeriod(t("reports.unknown_table", name=name[:40], names=", ".join(TABLE_NAMES)))


def csv_rows(evaluation: Evaluation, table: str | None = None) -> tuple[tuple[str, ...], list[list[object]]]:
    """Header and rows of the CSV download: the whole report in one long table (section, key, value),
    or one of ``report_tables`` as it is shown."""
    tables = report_tables(evaluation)
    if table:
        check_table(table)
        found = next(tab for tab in tables if tab.name == table)
        return found.header, [list(row) for row in found.rows]
    report = evaluation.cases
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
    for tab in tables:
        if tab.name in ("fokusomraden", "aktorstyper", "svarstider", "backlog"):
            continue  # written above, in the long form people's spreadsheets already read
        for row in tab.rows:
            rows += [
                [f"{tab.title}: {row[0]}", column, value]
                for column, value in zip(tab.header[1:], row[1:], strict=True)
            ]
    return CSV_HEADER, rows
