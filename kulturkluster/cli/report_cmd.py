"""``kulturkluster report``: numbers for the pilot's evaluation (the staff app's Rapporter shows the same)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from cases import report_queries
from cases.report_tables import TABLE_NAMES, Evaluation, check_table, csv_rows, report_tables
from cases.reports import InvalidPeriod, Period, parse_period

from .context import services
from .output import Format, console, emit_csv

app = typer.Typer(help="Reports for the pilot's evaluation.", no_args_is_help=True)


def load_report(period: Period) -> Evaluation:
    with services() as svc, svc.db.unit_of_work() as session:
        return report_queries.evaluation(session, period)


@app.command("cases")
def cases_report(
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD), included.")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD), included.")],
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.TABLE,
    table: Annotated[
        str | None,
        typer.Option(help="CSV of one table only: " + ", ".join(TABLE_NAMES) + "."),
    ] = None,
) -> None:
    """Cases per month by focus area, actor type, channel and municipality, response and close times, open
    backlog by age, repeat actors, and the newsletter list per month and per issue."""
    try:
        period = parse_period(start, end)
        if table:
            check_table(table)  # an unknown name fails before the query
    except InvalidPeriod as exc:
        raise typer.BadParameter(str(exc)) from exc
    report = load_report(period)
    if fmt is Format.JSON:
        data = asdict(report.cases) | {
            "newsletter": asdict(report.newsletter),
            "start": period.first.isoformat(),
            "end": period.last.isoformat(),
        }
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif fmt is Format.CSV:
        header, rows = csv_rows(report, table)
        emit_csv(rows, header)
    else:
        _print_tables(report)


def _print_tables(report: Evaluation) -> None:
    for tab in report_tables(report):
        table = Table(title=tab.title)
        for i, column in enumerate(tab.header):
            table.add_column(column, justify="left" if i == 0 else "right")
        for row in tab.rows:
            table.add_row(*(_num(cell) for cell in row))
        console.print(table)


def _num(value: object) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if isinstance(value, float) else str(value)
