"""Staff section Ärenden: the inbox (filters, full-text search, pages). The case page is ``case_view``,
the actions on a case are ``case_actions``; all three call the same functions as ``kulturkluster cases``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session, selectinload
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases import search as case_search
from cases import store as case_store
from cases.models import ActorType, Case, CaseStatus, FocusArea
from kulturkluster.texts import t

from . import case_actions, case_new, case_view
from .base import Pagebuilder, StaffRequest, local
from .case_shared import CASES_PATH, choices, staff_names

PER_PAGE = 50
ALL = "alla"  # the status filter's "every case, also closed ones"; empty means open cases
_FREE_TEXT_MAX = 120


@dataclass(frozen=True, slots=True)
class InboxFilters:
    status: str = ""  # "" open cases, "alla" every case, or one status
    focus: str = ""
    actor: str = ""
    assignee: str = ""
    tag: str = ""
    q: str = ""
    page: int = 1

    def query_string(self, **changes: object) -> str:
        values = replace(self, **changes)  # type: ignore[arg-type]
        pairs = {name: getattr(values, name) for name in ("status", "focus", "actor", "assignee", "tag", "q")}
        pairs["page"] = values.page if values.page > 1 else ""
        return urlencode({key: value for key, value in pairs.items() if value})


def read_filters(req: StaffRequest) -> tuple[InboxFilters, list[str]]:
    """The inbox filters from the query string; an unknown value is dropped with a Swedish message."""
    errors: list[str] = []

    def pick(name: str, allowed: list[str], label: str) -> str:
        value = req.query(name).strip().lower()
        if value and value not in allowed:
            errors.append(t("web.cases.bad_filter", name=label, value=value[:_FREE_TEXT_MAX]))
            return ""
        return value

    def free(name: str) -> str:
        return " ".join(req.query(name).split())[:_FREE_TEXT_MAX]

    page_text = req.query("page", "1").strip() or "1"
    page = int(page_text) if page_text.isdigit() and 0 < int(page_text) < 100_000 else 0
    if not page:
        errors.append(t("web.cases.bad_filter", name=t("web.cases.filter_page"), value=page_text[:20]))
    found = InboxFilters(
        status=pick("status", [ALL, *(s.value for s in CaseStatus)], "status"),
        focus=pick("focus", [f.value for f in FocusArea], t("cases.field_focus")),
        actor=pick("actor", [a.value for a in ActorType], t("cases.field_actor_type")),
        assignee=free("assignee"),
        tag=free("tag").lower(),
        q=free("q"),
        page=page or 1,
    )
    return found, errors


def inbox_rows(session: Session, filters: InboxFilters) -> tuple[list[dict[str, Any]], int]:
    """One page of cases for the filters (newest activity first; best match first when searching)."""
    query = case_store.list_query(
        status=filters.status if filters.status not in ("", ALL) else None,
        open_only=filters.status == "",
        focus=filters.focus or None,
        actor_type=filters.actor or None,
        assignee=filters.assignee or None,
        tag=filters.tag or None,
        by_activity=True,
    )
    offset, related = (filters.page - 1) * PER_PAGE, (selectinload(Case.contact), selectinload(Case.tags))
    if filters.q:  # the same search as `cases search`, with the page's count in the same statement
        result = case_search.page(session, query, filters.q, offset, PER_PAGE, related)
        found, total = result.cases, result.total
    else:
        total = case_store.count(session, query)
        found = list(session.scalars(query.options(*related).offset(offset).limit(PER_PAGE)))
    names = staff_names(session)
    rows = [
        {
            "reference": case.reference,
            "subject": case.subject or t("cases.no_subject"),
            "contact_name": case.contact.name,
            "contact_email": case.contact.email or "",  # a phone case may have none
            "organisation": case.contact.organisation,
            "status": case.status,
            "focus": case.focus_area or "",
            "actor": case.actor_type or "",
            "assignee": names.get(case.assignee, case.assignee) if case.assignee else "",
            "tags": [tag.tag for tag in case.tags],
            "received": local(case.received_at),
            "activity": local(case.updated_at),
        }
        for case in found
    ]
    return rows, total


def status_words(status: str) -> tuple[str, str]:
    """How the count names what it covers: "3 öppna ärenden", "1 avslutat ärende", "12 ärenden"."""
    if status == "":
        return t("evaluation.count_open_one"), t("evaluation.count_open_many")
    if status == ALL:
        return t("evaluation.count_all_one"), t("evaluation.count_all_many")
    return (
        t("evaluation.count_status_one", status=status),
        t("evaluation.count_status_many", status=status),
    )


def inbox(req: StaffRequest) -> Response:
    filters, errors = read_filters(req)
    with req.services.db.unit_of_work() as session:
        rows, total = inbox_rows(session, filters)
        names = staff_names(session)
        assignees = sorted({*names, *case_store.known_assignees(session)})
        tags = case_store.known_tags(session)
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    shows_all = filters.status == ALL
    context = {
        "status_words": status_words(filters.status),
        "all_url": "" if shows_all else f"?{filters.query_string(status=ALL, page=1)}",
        "rows": rows,
        "total": total,
        "filters": filters,
        "errors": errors,
        "page": filters.page,
        "pages": pages,
        "previous_url": f"?{filters.query_string(page=filters.page - 1)}" if filters.page > 1 else "",
        "next_url": f"?{filters.query_string(page=filters.page + 1)}" if filters.page < pages else "",
        "assignees": [(username, names.get(username, username)) for username in assignees],
        "tags": tags,
        "all": ALL,
        **choices(),
    }
    return req.render("cases/inbox", context, status_code=400 if errors else 200)


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [
        Route(CASES_PATH, build.staff(inbox), methods=["GET"], name="cases"),
        *case_new.routes(build),  # before the case page: its {ref} would take "nytt"
        *case_view.routes(build),
        *case_actions.routes(build),
    ]
