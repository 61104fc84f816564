"""Rapporter: the case reports as tables and charts, and as CSV (the same rows as ``report cases``)."""

from __future__ import annotations

from datetime import date

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases import store as case_store
from cases.reports import (
    NOT_SET,
    CaseReport,
    InvalidPeriod,
    Period,
    csv_rows,
    parse_period,
    period_report,
    report_tables,
)
from kulturkluster.db import utcnow
from subscribers.csv_io import csv_lines

from .base import APP_PREFIX, LOCAL_TIME, Pagebuilder, StaffRequest
from .charts import Series, stacked_bars

BASE = f"{APP_PREFIX}/rapporter"


def _period(req: StaffRequest) -> Period:
    """``from``/``to`` from the query; by default this year so far (Swedish calendar)."""
    today = utcnow().astimezone(LOCAL_TIME).date()
    first = req.query("from").strip() or date(today.year, 1, 1).isoformat()
    last = req.query("to").strip() or today.isoformat()
    return parse_period(first, last)


def _report(req: StaffRequest, period: Period) -> CaseReport:
    with req.services.db.unit_of_work() as session:
        rows = case_store.report_rows(session, period.end_at)
    return period_report(rows, period)


def _charts(report: CaseReport) -> list[object]:
    months = [m.month for m in report.months]
    focus = list(report.months[0].by_focus) if report.months else []
    actors = list(report.months[0].by_actor_type) if report.months else []
    return [
        stacked_bars(
            "fokus",
            "Ärenden per månad och fokusområde",
            months,
            [Series(k, tuple(m.by_focus[k] for m in report.months)) for k in focus],
            not_set=NOT_SET,
        ),
        stacked_bars(
            "aktor",
            "Ärenden per månad och aktörstyp",
            months,
            [Series(k, tuple(m.by_actor_type[k] for m in report.months)) for k in actors],
            not_set=NOT_SET,
        ),
    ]


def reports(req: StaffRequest) -> Response:
    try:
        period = _period(req)
    except InvalidPeriod as exc:
        failed: dict[str, object] = {
            "error": str(exc),
            "start": req.query("from")[:40],
            "end": req.query("to")[:40],
        }
        return req.render("reports/index", failed | {"tables": [], "charts": {}}, status_code=400)
    report = _report(req, period)
    charts = _charts(report)
    context: dict[str, object] = {
        "error": None,
        "start": period.first.isoformat(),
        "end": period.last.isoformat(),
        "tables": report_tables(report),
        "charts": {"fokusomraden": charts[0], "aktorstyper": charts[1]},
        "report": report,
        "csv_base": f"{BASE}.csv?from={period.first.isoformat()}&to={period.last.isoformat()}",
    }
    return req.render("reports/index", context)


def report_csv(req: StaffRequest) -> Response:
    try:
        period = _period(req)
        table = req.query("table").strip() or None
        if table:
            csv_rows(CaseReport(period.first, period.stop), table)  # an unknown table fails before the query
    except InvalidPeriod as exc:
        return Response(str(exc), status_code=400, media_type="text/plain; charset=utf-8")
    header, rows = csv_rows(_report(req, period), table)
    name = f"arenden-{period.first.isoformat()}-{period.last.isoformat()}{'-' + table if table else ''}.csv"
    return Response(
        "".join(csv_lines(header, rows)),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [
        Route(BASE, build.staff(reports), name="reports"),
        Route(f"{BASE}.csv", build.staff(report_csv), name="reports_csv"),
    ]
