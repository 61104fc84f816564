"""Inkommande: every processed mail with its route and reason, quarantine with "run again", re-routing.

The page calls the same functions as ``kulturkluster inbound list|show|reprocess|reroute``.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases.models import Case, CaseMessage
from inbound import reroute, store
from inbound.classify import Route as MailRoute
from inbound.models import InboundMessage
from kulturkluster.texts import SV, t
from mailer.models import OutgoingMessage
from subscribers.models import ConsentEvent, Subscriber

from .base import APP_PREFIX, Pagebuilder, StaffRequest, local

BASE = f"{APP_PREFIX}/inkommande"
PAGE_SIZE = 50
RAW_SHOWN = 200_000  # characters of the raw message shown on the page; the download has all of it
SUMMARY_HEADERS = (
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Date",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "Precedence",
    "Return-Path",
    "Authentication-Results",
    "List-Id",
    "Content-Type",
)


def header_summary(raw: bytes) -> list[tuple[str, str]]:
    """The headers staff care about, decoded (RFC 2047), from the header block only."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    block = raw[: end if 0 <= end < 256_000 else 256_000]
    items = list(BytesHeaderParser(policy=email.policy.default).parsebytes(block).raw_items())
    found: list[tuple[str, str]] = []
    # From the raw items, each header object built on its own: one that cannot be built (a display name
    # that decodes to CR/LF makes the parser raise) must not take the whole page down.
    for name in SUMMARY_HEADERS:
        for key, value in items:
            if key.lower() == name.lower():
                found.append((name, " ".join(_decoded(name, value).split())[:2000]))
    return found


def _decoded(name: str, value: str) -> str:
    try:
        return str(email.policy.default.header_factory(name, value))
    except Exception:  # a header the parser cannot decode: show it as it came
        return value


@dataclass(frozen=True, slots=True)
class Filters:
    route: str
    q: str
    page: int

    def url(self, **changes: object) -> str:
        values = {"route": self.route, "q": self.q, "page": self.page} | changes
        query = urlencode({k: v for k, v in values.items() if v not in ("", None, 1)})
        return f"{BASE}?{query}" if query else BASE


def _filters(req: StaffRequest) -> tuple[Filters, str | None]:
    route, error = req.query("route").strip(), None
    if route and route not in {r.value for r in MailRoute}:
        route, error = "", t("web.inbound.bad_route", route=route[:40])
    page = req.query("page", "1")
    return Filters(
        route, req.query("q").strip()[:200], int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    ), error


def inbox(req: StaffRequest) -> Response:
    filters, error = _filters(req)
    with req.services.db.unit_of_work() as session:
        total = store.count_messages(session, filters.route or None, search=filters.q)
        pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
        page = min(filters.page, pages)
        rows = store.list_messages(
            session, filters.route or None, PAGE_SIZE, search=filters.q, offset=(page - 1) * PAGE_SIZE
        )
        context = {
            "rows": [_summary(row) for row in rows],
            "total": total,
            "page": page,
            "pages": pages,
            "filters": filters,
            "prev_url": filters.url(page=page - 1) if page > 1 else None,
            "next_url": filters.url(page=page + 1) if page < pages else None,
            "counts": store.route_counts(session),
            "routes": [r.value for r in MailRoute],
            "error": error,
        }
    return req.render("inbound/index", context, status_code=400 if error else 200)


def _summary(row: InboundMessage) -> dict[str, object]:
    return {
        "id": row.id,
        "received_at": local(row.received_at),
        "from_address": row.from_address,
        "from_name": row.from_name,
        "subject": row.subject,
        "route": row.route,
        "reason": row.reason,
        "rule": row.rule,
        "rule_label": rule_label(row.rule),
    }


def rule_label(rule: str) -> str:
    """Why a mail went where it went, in Swedish (the stored reason is the classifier's detail)."""
    return SV.get(f"rule.{rule}", rule)


def detail(req: StaffRequest) -> Response:
    row_id = int(req.param("id"))
    with req.services.db.unit_of_work() as session:
        row = session.get(InboundMessage, row_id)
        if row is None:
            return req.redirect(BASE, t("inbound.no_message", id=row_id), "error")
        raw, route = row.raw, row.route
        context: dict[str, object] = {
            "row": _summary(row)
            | {
                "message_id": row.message_id,
                "error": row.error,
                "size": row.size,
                "source": row.source,
                "processed_at": local(row.processed_at),
            },
            "cases": _cases(session, row.id),
            "subscribers": _subscribers(session, row.message_id),
            "answers": _answers(session, row.id),
        }
    text = raw[:RAW_SHOWN].decode("utf-8", errors="replace")
    context |= {
        "headers": header_summary(raw),
        "raw_text": text,
        "raw_truncated": len(raw) > RAW_SHOWN,
        "targets": [r.value for r in reroute.TARGETS if r.value != route],
        "base": BASE,
    }
    return req.render("inbound/detail", context)


def _cases(session: Session, row_id: int) -> list[dict[str, object]]:
    rows = session.execute(
        select(Case.reference, Case.subject, Case.status)
        .join(CaseMessage, CaseMessage.case_id == Case.id)
        .where(CaseMessage.inbound_message_id == row_id)
    )
    return [{"reference": r, "subject": s, "status": st} for r, s, st in rows]


def _subscribers(session: Session, message_id: str | None) -> list[dict[str, object]]:
    if not message_id:
        return []
    rows = session.execute(
        select(Subscriber.id, Subscriber.email, Subscriber.status, ConsentEvent.action, ConsentEvent.at)
        .join(ConsentEvent, ConsentEvent.subscriber_id == Subscriber.id)
        .where(ConsentEvent.evidence_message_id == message_id)
        .order_by(ConsentEvent.id)
    )
    return [{"id": i, "email": e, "status": s, "action": a, "at": local(at)} for i, e, s, a, at in rows]


def _answers(session: Session, row_id: int) -> list[dict[str, object]]:
    rows = session.execute(
        select(
            OutgoingMessage.kind,
            OutgoingMessage.to_address,
            OutgoingMessage.status,
            OutgoingMessage.created_at,
        )
        .where(OutgoingMessage.inbound_message_id == row_id)
        .order_by(OutgoingMessage.id)
    )
    return [{"kind": k, "to": to, "status": s, "at": local(at)} for k, to, s, at in rows]


def raw_download(req: StaffRequest) -> Response:
    row_id = int(req.param("id"))
    with req.services.db.unit_of_work() as session:
        raw = store.get(session, row_id).raw
    return Response(
        raw,
        media_type="message/rfc822",
        headers={
            "Content-Disposition": f'attachment; filename="inkommande-{row_id}.eml"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )


def rerun(req: StaffRequest) -> Response:
    row_id = int(req.param("id"))
    with req.services.db.unit_of_work() as session:
        route = store.get(session, row_id).route
    if route != MailRoute.QUARANTINE:
        return req.redirect(f"{BASE}/{row_id}", t("inbound.rerun_not_quarantined", id=row_id), "error")
    outcomes = req.services.pipeline.reprocess([row_id])
    req.services.flush_outbox()  # answers it queued leave now, as after `inbound reprocess`
    if not outcomes:
        return req.redirect(f"{BASE}/{row_id}", t("web.inbound.rerun_none"), "warning")
    return req.redirect(f"{BASE}/{row_id}", t("web.inbound.rerun_done", route=outcomes[0].route.value))


def reroute_message(req: StaffRequest) -> Response:
    row_id = int(req.param("id"))
    target = reroute.parse_target(req.field("route"))
    actor = f"{req.user.display_name} ({req.user.username})"
    result = req.services.pipeline.reroute(row_id, target, actor=actor, reason=req.field("reason")[:1000])
    req.services.flush_outbox()  # a confirmation or goodbye leaves now, as after `inbound reroute`
    message = " ".join(
        [t("web.inbound.rerouted", old=result.old_route.value, new=result.route.value), *result.undone]
    )
    if result.case_reference:
        message += " " + t("cli.rerouted_case", reference=result.case_reference)
    return req.redirect(f"{BASE}/{row_id}", message)


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [
        Route(BASE, build.staff(inbox), name="inbound"),
        Route(f"{BASE}/{{id:int}}", build.staff(detail), name="inbound_detail"),
        Route(f"{BASE}/{{id:int}}/original.eml", build.staff(raw_download), name="inbound_raw"),
        Route(f"{BASE}/{{id:int}}/kor-igen", build.staff(rerun), methods=["POST"], name="inbound_rerun"),
        Route(
            f"{BASE}/{{id:int}}/dirigera",
            build.staff(reroute_message),
            methods=["POST"],
            name="inbound_reroute",
        ),
    ]
