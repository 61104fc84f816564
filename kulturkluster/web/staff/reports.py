"""Rapporter: the evaluation report as tables and charts, and as CSV (the same rows as ``report cases``)."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases import report_queries
from cases.report_tables import Evaluation, check_table, csv_rows, report_tables
from cases.reports import CHANNEL_KEYS, MUNICIPALITY_KEYS, NOT_SET, InvalidPeriod, Period, parse_period
from kulturkluster.db import utcnow
from kulturkluster.texts import t
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


def _report(req: StaffRequest, period: Period) -> Evaluation:
    with req.services.db.unit_of_work() as session:
        return report_queries.evaluation(session, period)


def charts(evaluation: Evaluation) -> dict[str, Markup]:
    """One stacked bar chart per table that has one, keyed by the table's name."""
    months = evaluation.cases.months
    names = [m.month for m in months]
    focus = list(months[0].by_focus) if months else []
    actors = list(months[0].by_actor_type) if months else []
    letters = evaluation.newsletter.months
    return {
        "fokusomraden": stacked_bars(
            "fokus",
            t("reports.by_focus"),
            names,
            [Series(k, tuple(m.by_focus[k] for m in months)) for k in focus],
            not_set=NOT_SET,
        ),
        "aktorstyper": stacked_bars(
            "aktor",
            t("reports.by_actor_type"),
            names,
            [Series(k, tuple(m.by_actor_type[k] for m in months)) for k in actors],
            not_set=NOT_SET,
        ),
        "kanaler": stacked_bars(
            "kanal",
            t("evaluation.by_channel"),
            names,
            [
                Series(t(f"evaluation.channel.{k}"), tuple(m.by_channel.get(k, 0) for m in months))
                for k in CHANNEL_KEYS
            ],
        ),
        "kommuner": stacked_bars(
            "kommun",
            t("evaluation.by_municipality"),
            names,
            [Series(k, tuple(m.by_municipality.get(k, 0) for m in months)) for k in MUNICIPALITY_KEYS],
            not_set=NOT_SET,
        ),
        "nyhetsbrev": stacked_bars(
            "lista",
            t("evaluation.list_changes"),
            [m.month for m in letters],
            [
                Series(t("evaluation.col_new"), tuple(m.new for m in letters)),
                Series(t("evaluation.col_unsubscribed"), tuple(m.unsubscribed for m in letters)),
                Series(t("evaluation.col_bounced"), tuple(m.bounced for m in letters)),
            ],
        ),
    }


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
    evaluation = _report(req, period)
    context: dict[str, object] = {
        "error": None,
        "start": period.first.isoformat(),
        "end": period.last.isoformat(),
        "tables": report_tables(evaluation),
        "charts": charts(evaluation),
        "report": evaluation.cases,
        "csv_base": f"{BASE}.csv?from={period.first.isoformat()}&to={period.last.isoformat()}",
    }
    return req.render("reports/index", context)


def report_csv(req: StaffRequest) -> Response:
    try:
        period = _period(req)
        table = req.query("table").strip() or None
        if table:
            check_table(table)  # an unknown table fails before the query
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
