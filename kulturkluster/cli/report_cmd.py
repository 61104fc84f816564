"""``kulturkluster report``: numbers for the pilot's evaluation."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, date, datetime, time
from typing import Annotated

import typer
from rich.table import Table

from cases import store as case_store
from cases.reports import CaseReport, case_report

from .context import services
from .output import Format, console, emit_csv

app = typer.Typer(help="Reports for the pilot's evaluation.", no_args_is_help=True)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r}: skriv datum som ÅÅÅÅ-MM-DD") from exc


@app.command("cases")
def cases_report(
    start: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD), included.")],
    end: Annotated[str, typer.Option("--to", help="Last day (YYYY-MM-DD), included.")],
    fmt: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.TABLE,
) -> None:
    """Cases per month by focus area and actor type, response and close times, open backlog by age."""
    first, last = _parse_day(start), _parse_day(end)
    stop = date.fromordinal(last.toordinal() + 1)
    with services() as svc, svc.db.unit_of_work() as session:
        rows = case_store.report_rows(session, datetime.combine(stop, time.min, tzinfo=UTC))
    report = case_report(rows, first, stop)
    if fmt is Format.JSON:
        data = asdict(report) | {"start": first.isoformat(), "end": last.isoformat()}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    elif fmt is Format.CSV:
        emit_csv(_csv_rows(report), ("avsnitt", "nyckel", "värde"))
    else:
        _print_tables(report)


def _csv_rows(report: CaseReport) -> list[list[object]]:
    rows: list[list[object]] = []
    for month in report.months:
        rows.append(["ärenden per månad", month.month, month.total])
        rows += [[f"fokusområde {month.month}", key, n] for key, n in month.by_focus.items()]
        rows += [[f"aktörstyp {month.month}", key, n] for key, n in month.by_actor_type.items()]
    for name, d in (("första svar", report.first_response), ("avslut", report.close)):
        rows += [
            [f"tid till {name} (timmar)", "antal", d.count],
            [f"tid till {name} (timmar)", "median", d.median_hours],
        ]
        rows.append([f"tid till {name} (timmar)", "90:e percentilen", d.p90_hours])
    rows += [["öppna ärenden efter ålder", bucket, n] for bucket, n in report.backlog.items()]
    return rows


def _print_tables(report: CaseReport) -> None:
    focus_keys = list(report.months[0].by_focus) if report.months else []
    table = Table(title="Ärenden per månad och fokusområde")
    for column in ["månad", "totalt", *focus_keys]:
        table.add_column(column, justify="right")
    for m in report.months:
        table.add_row(m.month, str(m.total), *(str(m.by_focus[k]) for k in focus_keys))
    console.print(table)
    actor_keys = list(report.months[0].by_actor_type) if report.months else []
    table = Table(title="Ärenden per månad och aktörstyp")
    for column in ["månad", *actor_keys]:
        table.add_column(column, justify="right")
    for m in report.months:
        table.add_row(m.month, *(str(m.by_actor_type[k]) for k in actor_keys))
    console.print(table)
    table = Table(title="Svarstider (timmar)")
    for column in ["", "antal", "median", "90:e percentilen"]:
        table.add_column(column, justify="right")
    for name, d in (("till första svar", report.first_response), ("till avslut", report.close)):
        table.add_row(name, str(d.count), _num(d.median_hours), _num(d.p90_hours))
    console.print(table)
    table = Table(title=f"Öppna ärenden {report.end.isoformat()} efter ålder")
    table.add_column("ålder")
    table.add_column("antal", justify="right")
    for bucket, n in report.backlog.items():
        table.add_row(bucket, str(n))
    console.print(table)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"
