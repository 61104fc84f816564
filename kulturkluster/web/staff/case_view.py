"""The case page: header, fields, the whole thread; one mail's HTML for its sandboxed frame; attachments.

Inbound HTML was cleaned by nh3 when it was stored (``cases.sanitize``) and is cleaned again here before
it is served, and only from its own route, whose response carries a CSP that forbids every script and
every request, and which the case page embeds in ``<iframe sandbox>``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases import canned
from cases import operations as case_ops
from cases.attachments import AttachmentMissing
from cases.by_hand import channel_label
from cases.models import SUBSCRIPTION_TAG, Case, CaseAttachment, CaseMessage, Direction
from cases.municipalities import OTHER, official
from cases.notify_words import day_label
from cases.receipts import Receipt, receipts_for
from cases.reference import CaseNotFound
from cases.related import related
from cases.reply_body import size_text
from cases.sanitize import sanitize_html
from kulturkluster import accounts
from kulturkluster.texts import t

from .base import MAX_ID, Pagebuilder, StaffRequest, local
from .case_shared import CASES_PATH, case_url, choices, staff_names, valid_reference

# The mail's own document: no script, no requests at all (images only inline), only framed by our pages.
MESSAGE_POLICY = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'; "
    "base-uri 'none'; form-action 'none'"
)
_UNSAFE_FILENAME = re.compile(r"[^\w.\- ()]+")
_ID = re.compile(r"[0-9]{1,10}")


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} byte"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} kB".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


def safe_filename(name: str) -> str:
    """An ASCII fallback name for Content-Disposition: no quotes, slashes, control characters."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE_FILENAME.sub("_", ascii_name).strip(" .") or "bilaga"
    return cleaned[:150]


def _message(message: CaseMessage, names: dict[str, str], reference: str) -> dict[str, Any]:
    author = message.author or ""
    return {
        "id": message.id,
        "direction": message.direction,
        "at": local(message.created_at),
        "from_address": message.from_address or "",
        "author": names.get(author, author),
        "subject": message.subject,
        "text": message.text,
        "html_url": f"{case_url(reference)}/meddelande/{message.id}" if message.html else "",
        "inbound_url": f"/app/inkommande/{message.inbound_message_id}" if message.inbound_message_id else "",
        "attachments": [
            {
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": human_size(attachment.size),
                "url": f"{case_url(reference)}/bilaga/{attachment.id}" if attachment.sha256 else "",
            }
            for attachment in message.attachments
        ],
    }


def _receipt(receipt: Receipt) -> dict[str, Any]:
    """A receipt as a thread entry: an automatic message out, nobody's reply."""
    return {
        "id": f"kvitto-{receipt.inbound_message_id}",
        "direction": "receipt",
        "at": local(receipt.created_at),
        "to_address": receipt.to_address,
        "status": receipt.status,
        "subject": receipt.subject,
        "text": receipt.text,
        "from_address": "",
        "author": "",
        "html_url": "",
        "inbound_url": "",
        "attachments": [],
    }


def _thread(session: Session, case: Case, names: dict[str, str]) -> list[dict[str, Any]]:
    """The case's messages, each inbound mail followed by the receipt it got (if any)."""
    inbound = [m.inbound_message_id for m in case.messages if m.direction == Direction.IN]
    receipts: dict[int, list[Receipt]] = {}
    for receipt in receipts_for(session, [i for i in inbound if i is not None]):
        receipts.setdefault(receipt.inbound_message_id, []).append(receipt)
    thread: list[dict[str, Any]] = []
    for message in case.messages:
        thread.append(_message(message, names, case.reference))
        if message.inbound_message_id is not None:
            thread += [_receipt(r) for r in receipts.get(message.inbound_message_id, [])]
    return thread


def reply_start(session: Session, case: Case, template_id: str, staff_name: str) -> tuple[str, str]:
    """The reply text a canned answer gives for this case and staff member, and the template's name
    (``TemplateNotFound`` for an id that names none: the page answers 404)."""
    if not _ID.fullmatch(template_id) or int(template_id) > MAX_ID:
        raise canned.TemplateNotFound(t("answering.not_found", name=template_id[:40]))
    template = canned.by_id(session, int(template_id))
    return canned.fill(template.body, canned.values_for(case, staff_name)), template.name


def case_context(session: Session, case: Case) -> dict[str, Any]:
    names = staff_names(session)
    users = [(u.username, u.display_name) for u in accounts.all_users(session) if u.active]
    if case.assignee and case.assignee not in {username for username, _name in users}:
        users.append((case.assignee, case.assignee))  # set from the CLI: keep it selectable
    tags = [tag.tag for tag in case.tags]
    return {
        "case": {
            "reference": case.reference,
            "subject": case.subject or t("cases.no_subject"),
            "status": case.status,
            "focus": case.focus_area or "",
            "actor": case.actor_type or "",
            "assignee": case.assignee or "",
            "assignee_name": names.get(case.assignee, case.assignee) if case.assignee else "",
            "tags": tags,
            "tags_text": ", ".join(tags),
            "is_subscription": SUBSCRIPTION_TAG in tags,
            "channel": case.channel,
            "channel_label": channel_label(case.channel),
            "received": local(case.received_at),
            "first_response": local(case.first_response_at),
            "closed": local(case.closed_at),
            "activity": local(case.updated_at),
            "follow_up_on": case.follow_up_on.isoformat() if case.follow_up_on else "",
            "follow_up_label": day_label(case.follow_up_on) if case.follow_up_on else "",
        },
        "contact": {
            "name": case.contact.name,
            "email": case.contact.email or "",
            "phone": case.contact.phone,
            "organisation": case.contact.organisation,
            "municipality": case.contact.municipality,
            "municipality_name": _municipality_name(case.contact.municipality),
        },
        "related": related(session, case),
        "thread": _thread(session, case, names),
        "users": users,
        "templates": [(tpl.id, tpl.name) for tpl in canned.all_templates(session)],
        **choices(),
    }


def _municipality_name(typed: str) -> str:
    name = official(typed)
    return typed.strip() if name == OTHER and typed.strip().lower() != OTHER else name


def _find(session: Session, reference: str) -> Case | None:
    if not valid_reference(reference):
        return None
    try:
        return case_ops.find(session, reference)
    except CaseNotFound:
        return None


def show(req: StaffRequest) -> Response:
    reference = req.param("ref")
    with req.services.db.unit_of_work() as session:
        case = _find(session, reference)
        if case is None:
            message = t("cases.not_found", reference=reference[:40])
            return req.render("cases/not_found", {"message": message}, status_code=404)
        if case.reference != reference.strip().upper():  # merged into another case: show that one
            target = case.reference
            return req.redirect(
                case_url(target), t("web.cases.merged_away", source=reference.upper(), target=target)
            )
        context = case_context(session, case)
        context["max_files"] = size_text(req.services.settings.cases.max_reply_attachment_bytes)
        if req.query("mall"):  # "Använd mallen": the reply form starts from a canned answer
            text, name = reply_start(session, case, req.query("mall"), req.user.display_name)
            context |= {"reply_text": text, "template_notice": t("answering.filled", name=name)}
    return req.render("cases/case", context)


def _not_found() -> Response:
    return Response("Hittades inte.", status_code=404, media_type="text/plain; charset=utf-8")


def message_html(req: StaffRequest) -> Response:
    """One inbound mail's cleaned HTML as its own document, for ``<iframe sandbox>`` on the case page."""
    message_id = int(req.param("id"))
    with req.services.db.unit_of_work() as session:
        case = _find(session, req.param("ref"))
        message = session.get(CaseMessage, message_id)
        if case is None or message is None or message.case_id != case.id or not message.html:
            return _not_found()
        body = sanitize_html(message.html)  # cleaned when stored; again in case the allow-list tightened
    document = (
        '<!doctype html><html lang="sv"><head><meta charset="utf-8">'
        '<meta name="referrer" content="no-referrer"></head><body>' + body + "</body></html>"
    )
    return Response(
        document,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": MESSAGE_POLICY,
            "X-Frame-Options": "SAMEORIGIN",
            "Cache-Control": "no-store",
        },
    )


def attachment(req: StaffRequest) -> Response:
    """An attachment as a download (never shown inline), only under the case it belongs to."""
    attachment_id = int(req.param("id"))
    with req.services.db.unit_of_work() as session:
        case = _find(session, req.param("ref"))
        row = session.execute(
            select(CaseAttachment, CaseMessage.case_id)
            .join(CaseMessage, CaseMessage.id == CaseAttachment.case_message_id)
            .where(CaseAttachment.id == attachment_id)
        ).first()
        if case is None or row is None or row[1] != case.id or row[0].sha256 is None:
            return _not_found()
        filename, digest = row[0].filename, row[0].sha256
    try:
        data = req.services.attachments.get(digest)
    except AttachmentMissing:
        return _not_found()
    disposition = f"attachment; filename=\"{safe_filename(filename)}\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "no-store",
        },
    )


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [
        Route(f"{CASES_PATH}/{{ref}}", build.staff(show), methods=["GET"], name="case"),
        Route(f"{CASES_PATH}/{{ref}}/meddelande/{{id:int}}", build.staff(message_html), methods=["GET"]),
        Route(f"{CASES_PATH}/{{ref}}/bilaga/{{id:int}}", build.staff(attachment), methods=["GET"]),
    ]
