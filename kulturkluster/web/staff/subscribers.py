"""Prenumeranter: search the list, one person's consent history, add and unsubscribe by hand, CSV export,
and (admins) export or erase everything stored about a person. CSV import is in ``subscriber_import``.

The pages call the same functions as ``kulturkluster subscribers`` and ``kulturkluster person``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from kulturkluster import privacy
from kulturkluster.db import utcnow
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from subscribers import csv_export, service, staff_actions
from subscribers.address import InvalidAddress, normalize_address
from subscribers.models import Status, Subscriber

from . import streaming, subscriber_import
from .base import Pagebuilder, StaffRequest, local
from .subscriber_common import PREFIX, status_labels

log = logging.getLogger(__name__)

PER_PAGE = 50
DOWNLOAD_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}


class FormError(KulturklusterError):
    """A form or filter value the page cannot use; the message says what to do."""

    kind = ErrorKind.INVALID


def parse_status(value: str) -> Status | None:
    if not value:
        return None
    try:
        return Status(value)
    except ValueError:
        allowed = ", ".join(s.value for s in Status)
        raise FormError(t("web.subscribers.bad_status", status=value[:40], allowed=allowed)) from None


def _page_number(value: str) -> int:
    if not value:
        return 1
    if not value.isdigit() or not 1 <= int(value) <= 1_000_000:
        raise FormError(t("web.subscribers.bad_page", page=value[:20]))
    return int(value)


def list_url(q: str = "", status: str = "", page: int = 1) -> str:
    params = {k: v for k, v in (("q", q), ("status", status), ("page", str(page))) if v and v != "1"}
    return f"{PREFIX}?{urlencode(params)}" if params else PREFIX


def detail_url(subscriber_id: int) -> str:
    return f"{PREFIX}/{subscriber_id}"


def _subscriber(session: Session, req: StaffRequest) -> Subscriber:
    subscriber = session.get(Subscriber, int(req.param("id")))
    if subscriber is None:
        raise FormError(t("web.subscribers.not_found", id=req.param("id")))
    return subscriber


def _or_back(req: StaffRequest, back: str, action: Callable[[], Response]) -> Response:
    """Run a form action; a refusal goes back to ``back`` with the reason (browsers send no Referer)."""
    try:
        return action()
    except KulturklusterError as exc:
        return req.redirect(back, str(exc), "error")


# -- the list ----------------------------------------------------------------------------------------------


def index(req: StaffRequest) -> Response:
    q = req.query("q").strip()[:200]
    error = None
    try:
        status = parse_status(req.query("status"))
        page_number = _page_number(req.query("page"))
    except FormError as exc:
        error, status, page_number = str(exc), None, 1
    with req.services.db.unit_of_work() as session:
        counts = service.count_by_status(session)
        found = staff_actions.search(session, q, status, page_number, PER_PAGE, by_status=counts)
    status_value = status.value if status else ""
    context: dict[str, Any] = {
        "q": q,
        "status": status_value,
        "statuses": [s.value for s in Status],
        "status_labels": status_labels(),
        "counts": counts,
        "total_all": sum(counts.values()),
        "found": found,
        "more_than": f"{found.total:,}".replace(",", "\u00a0"),  # 10 000 (Swedish digit grouping)
        "rows": [
            {
                "id": s.id,
                "email": s.email,
                "name": s.name,
                "status": s.status,
                "bounce_score": s.bounce_score or 0.0,
                "created_at": local(s.created_at),
            }
            for s in found.rows
        ],
        "previous_url": list_url(q, status_value, found.page - 1) if found.page > 1 else None,
        "next_url": list_url(q, status_value, found.page + 1) if found.page < found.pages else None,
        "status_url": lambda value: list_url(q, value),
        "export_url": f"{PREFIX}/export.csv" + (f"?status={status_value}" if status_value else ""),
        "error": error,
    }
    if req.htmx and req.request.headers.get("hx-target") == "subscriber-results":
        return req.render("subscribers/_results", context)
    return req.render("subscribers/index", context, status_code=400 if error else 200)


def add(req: StaffRequest) -> Response:
    def action() -> Response:
        evidence = staff_actions.staff_evidence(req.field("evidence"), req.user.username)
        with req.services.db.unit_of_work() as session:
            try:
                subscriber = staff_actions.add_by_hand(
                    session, req.field("email"), req.field("name"), evidence
                )
            except staff_actions.AlreadyOnList as exc:
                label = status_labels().get(exc.status, exc.status)
                message = t("web.subscribers.already_on_list", email=exc.email, status=label)
                return req.redirect(detail_url(exc.subscriber_id), message, "error")
            return req.redirect(detail_url(subscriber.id), t("cli.subscriber_added", email=subscriber.email))

    return _or_back(req, PREFIX, action)


def export_csv(req: StaffRequest) -> Response:
    """The list as CSV (as ``subscribers export``), honouring the status filter; a download."""
    try:
        status = parse_status(req.query("status"))
    except FormError as exc:
        return req.redirect(PREFIX, str(exc), "error")
    name = f"prenumeranter-{status.value if status else 'alla'}-{utcnow():%Y-%m-%d}.csv"
    log.info("subscriber export", extra={"user": req.user.username, "status": status})
    db = req.services.db

    def produce() -> Generator[bytes]:
        yield "\ufeff".encode()  # a BOM: spreadsheet programs then read å, ä and ö right
        with db.unit_of_work() as session:
            yield from csv_export.export_csv(session, status)

    return StreamingResponse(
        streaming.from_thread(produce),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **DOWNLOAD_HEADERS},
    )


# -- one person --------------------------------------------------------------------------------------------


def show(req: StaffRequest) -> Response:
    with req.services.db.unit_of_work() as session:
        subscriber = session.get(Subscriber, int(req.param("id")))
        if subscriber is None:
            return req.redirect(PREFIX, t("web.subscribers.not_found", id=req.param("id")), "error")
        events = [
            {
                "at": local(e.at),
                "action": e.action,
                "old_status": e.old_status,
                "new_status": e.new_status,
                "channel": e.channel,
                "policy": e.policy,
                "evidence": e.evidence,
                "message_id": e.evidence_message_id,
                "actor": e.actor,
            }
            for e in subscriber.events
        ]
        person = {
            "id": subscriber.id,
            "email": subscriber.email,
            "name": subscriber.name,
            "status": subscriber.status,
            "bounce_score": subscriber.bounce_score or 0.0,
            "last_bounce_at": local(subscriber.last_bounce_at),
            "created_at": local(subscriber.created_at),
            "subscribed_at": local(subscriber.subscribed_at),
            "can_unsubscribe": subscriber.status in {Status.ACTIVE, Status.PENDING},
        }
    return req.render(
        "subscribers/show", {"person": person, "events": events, "status_labels": status_labels()}
    )


def unsubscribe(req: StaffRequest) -> Response:
    back = detail_url(int(req.param("id")))

    def action() -> Response:
        evidence = staff_actions.staff_evidence(req.field("evidence"), req.user.username)
        with req.services.db.unit_of_work() as session:
            subscriber = _subscriber(session, req)
            outcome = staff_actions.unsubscribe_by_hand(session, subscriber.email, evidence)
            email = subscriber.email
        kind = "ok" if outcome is service.UnsubscribeOutcome.UNSUBSCRIBED else "warning"
        return req.redirect(back, t(f"cli.subscriber_{outcome.value}", email=email), kind)

    return _or_back(req, back, action)


def reenable(req: StaffRequest) -> Response:
    """One click: a ``bounced`` address gets the newsletter again (the consent log names who did it)."""
    back = detail_url(int(req.param("id")))

    def action() -> Response:
        detail = req.field("evidence") or t("web.subscribers.reenable_evidence")
        evidence = staff_actions.staff_evidence(detail, req.user.username)
        with req.services.db.unit_of_work() as session:
            subscriber = _subscriber(session, req)
            done = staff_actions.reenable_bounced(session, subscriber.email, evidence)
            email = subscriber.email
        if done:
            return req.redirect(back, t("web.subscribers.reenabled", email=email))
        return req.redirect(back, t("web.subscribers.not_bounced", email=email), "warning")

    return _or_back(req, back, action)


def person_export(req: StaffRequest) -> Response:
    """Everything stored about the person (as ``person export``), as a JSON download. Admins only."""
    with req.services.db.unit_of_work() as session:
        subscriber = _subscriber(session, req)
        document = privacy.export_json(privacy.export_person(session, subscriber.email))
    log.info("person export", extra={"user": req.user.username, "subscriber_id": subscriber.id})
    return Response(
        document,
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="personuppgifter-{subscriber.id}.json"',
            **DOWNLOAD_HEADERS,
        },
    )


def erase(req: StaffRequest) -> Response:
    """Erase the person everywhere (as ``person erase``) once the admin has typed the address. Admins only."""
    back = detail_url(int(req.param("id")))

    def action() -> Response:
        with req.services.db.unit_of_work() as session:
            subscriber = _subscriber(session, req)
            email = subscriber.email
            if not _same_address(req.field("confirm"), email):
                raise FormError(t("web.subscribers.erase_mismatch", email=email))
            result = privacy.erase_person(session, email, req.services.attachments)
        log.info("person erased", extra={"user": req.user.username, "subscriber_id": req.param("id")})
        return req.redirect(PREFIX, privacy.erasure_summary(email, result))

    return _or_back(req, back, action)


def _same_address(typed: str, email: str) -> bool:
    try:
        return normalize_address(typed).lower() == email.lower()
    except InvalidAddress:
        return False


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [
        Route(PREFIX, build.staff(index), name="subscribers"),
        Route(f"{PREFIX}/ny", build.staff(add), methods=["POST"]),
        Route(f"{PREFIX}/export.csv", build.staff(export_csv)),
        *subscriber_import.routes(build),
        Route(f"{PREFIX}/{{id:int}}", build.staff(show)),
        Route(f"{PREFIX}/{{id:int}}/avsluta", build.staff(unsubscribe), methods=["POST"]),
        Route(f"{PREFIX}/{{id:int}}/aktivera", build.staff(reenable), methods=["POST"]),
        Route(f"{PREFIX}/{{id:int}}/personexport", build.admin(person_export)),
        Route(f"{PREFIX}/{{id:int}}/radera", build.admin(erase), methods=["POST"]),
    ]
