"""The accessibility statement (tillgänglighetsredogörelse) at ``/tillganglighet``, and its report form.

Swedish law for public bodies (lagen om tillgänglighet till digital offentlig service) asks for a
statement in DIGG's model, with a way to report barriers; the words are in
``templates/web/public/accessibility.html``, the form's handling in ``barrier_report``.
"""

from __future__ import annotations

from datetime import date

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kulturkluster.settings import ACCESSIBILITY_PATH
from kulturkluster.wiring import Services

from . import barrier_report
from .barrier_report import Checked, Report, ReportLimiter
from .pages import Pages

# When the service was last assessed (automated and by hand) and the statement reviewed. Update both
# together with the statement's text.
ASSESSED_ON = date(2026, 11, 29)
DIGG_REPORT_URL = "https://www.digg.se/tdosanmalan"
_MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
           "november", "december")  # fmt: skip


def swedish_date(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


class AccessibilityPage:
    """GET shows the statement; POST files a report from its form and shows the statement again."""

    def __init__(self, services: Services, pages: Pages, limiter: ReportLimiter | None = None) -> None:
        self.services = services
        self.pages = pages
        self.limiter = limiter or ReportLimiter()

    def routes(self) -> list[BaseRoute]:
        return [Route(ACCESSIBILITY_PATH, self.endpoint, methods=["GET", "POST"])]

    async def endpoint(self, request: Request) -> Response:
        if request.method != "POST":
            return self._render(request, barrier_report.check({}), sent=False)
        if int(request.headers.get("content-length") or 0) > barrier_report.MAX_BODY_BYTES:
            return self._render(
                request, barrier_report.check({}), sent=False, problem="too_large", status=413
            )
        form = await request.form(max_files=0, max_fields=len(barrier_report.FIELDS) + 5)
        checked = barrier_report.check(form)
        if checked.is_bot:
            # Look the same as a success, so a bot learns nothing; nothing is filed.
            return self._render(request, barrier_report.check({}), sent=True)
        report = checked.report
        if report is None:
            return self._render(request, checked, sent=False, status=400)
        address = request.client.host if request.client else "?"
        if not self.limiter.allow(address):
            return self._render(request, checked, sent=False, problem="rate_limited", status=429)
        await run_in_threadpool(self._file, report)
        return self._render(request, barrier_report.check({}), sent=True)

    def _file(self, report: Report) -> None:
        with self.services.db.unit_of_work() as session:
            barrier_report.file_report(session, report)

    def _render(
        self, request: Request, form: Checked, *, sent: bool, problem: str = "", status: int = 200
    ) -> Response:
        context = {
            "form": form,
            "sent": sent,
            "problem": problem,
            "limits": barrier_report.LIMITS,
            "assessed_on": swedish_date(ASSESSED_ON),
            "digg_url": DIGG_REPORT_URL,
        }
        return self.pages.render(request, "public/accessibility", context, status_code=status)
