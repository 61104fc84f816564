"""The case page's "Följ upp" form: set or clear the day to follow a case up (as ``cases set --follow-up``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases import follow_up, notify_rules
from cases import operations as case_ops
from cases.notify_words import day_label, follow_up_label
from cases.reference import CaseNotFound
from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t

from .base import Pagebuilder, StaffRequest
from .case_shared import CASES_PATH, case_url, staff_names, valid_reference


def due_rows(session: Session, now: datetime) -> list[dict[str, object]]:
    """Översikt: open cases to follow up today or overdue, with who works each."""
    today = notify_rules.today(now)
    names = staff_names(session)
    return [
        {
            "reference": due.reference,
            "subject": due.subject,
            "assignee": names.get(due.assignee, due.assignee) if due.assignee else "",
            "when": follow_up_label(due.follow_up_on, today),
            "overdue": due.follow_up_on < today,
        }
        for due in follow_up.due(session, today)
    ]


def set_follow_up(req: StaffRequest) -> Response:
    reference = req.param("ref")
    target = case_url(reference) if valid_reference(reference) else CASES_PATH
    try:
        if not valid_reference(reference):
            raise CaseNotFound(reference[:40])
        day = None if req.field("clear") else follow_up.parse_day(req.field("follow_up_on")[:40])
        with req.services.db.unit_of_work() as session:
            case = case_ops.find(session, reference)
            follow_up.set_follow_up(case, day)
            target = case_url(case.reference)
    except KulturklusterError as exc:
        return req.redirect(target, str(exc), "error")
    message = t("notify.follow_up_set", day=day_label(day)) if day else t("notify.follow_up_cleared")
    return req.redirect(target, message)


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [Route(f"{CASES_PATH}/{{ref}}/folj-upp", build.staff(set_follow_up), methods=["POST"])]
