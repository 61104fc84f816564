"""What staff do on a case page: preview and send a reply, add a note, set fields, merge, and "this was a
subscription". Each calls the same function as the matching ``kulturkluster cases`` command.

A refused action (a domain error with a Swedish message) rolls its transaction back and brings staff
back to the case page with the message; nothing is half done.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases import operations as case_ops
from cases import replies, reply_body
from cases import service as case_service
from cases.models import Case
from cases.reference import CaseNotFound
from cases.subscription import mark_subscription as mark_case_subscription
from kulturkluster import accounts
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from mailer.mime import FilePart

from .base import Pagebuilder, StaffRequest
from .case_shared import CASES_PATH, case_url, valid_reference

_MAX_TEXT = 100_000


class InvalidAssignee(KulturklusterError):
    """The field form named an assignee who has no account."""

    kind = ErrorKind.INVALID


class MergeNotConfirmed(KulturklusterError):
    """The merge form was sent without its confirmation or without a target."""

    kind = ErrorKind.INVALID


def _text(req: StaffRequest, name: str) -> str:
    return req.field(name).replace("\r\n", "\n")[:_MAX_TEXT]


def _apply(req: StaffRequest, action: Callable[[Session, Case], str]) -> tuple[str, str] | Response:
    """Run ``action`` on the case in one transaction: (the case's reference, its message), or, when the
    action is refused, a redirect back to the case page with the reason (the transaction rolled back)."""
    reference = req.param("ref")
    target = case_url(reference) if valid_reference(reference) else CASES_PATH
    try:
        if not valid_reference(reference):
            raise CaseNotFound(reference[:40])
        with req.services.db.unit_of_work() as session:
            case = case_ops.find(session, reference)
            message = action(session, case)
            done = case.reference
    except KulturklusterError as exc:
        return req.redirect(target, str(exc), "error")
    return done, message


def _on_case(req: StaffRequest, action: Callable[[Session, Case], str]) -> Response:
    """``_apply``, then back to the case page with the action's message."""
    result = _apply(req, action)
    if isinstance(result, Response):
        return result
    reference, message = result
    return req.redirect(case_url(reference), message)


def _files(req: StaffRequest) -> list[FilePart]:
    """The files chosen in the reply form (an empty file input sends a nameless, empty part: skipped)."""
    uploads = [
        v for v in (req.form.getlist("attachments") if req.form is not None else []) if not isinstance(v, str)
    ]
    chosen = [u for u in uploads if u.filename or (u.size or 0) > 0]
    # Before reading them in (each part is already capped by the form parser).
    reply_body.refuse_over(
        sum(u.size or 0 for u in chosen), req.services.settings.cases.max_reply_attachment_bytes
    )
    return [
        FilePart(u.filename or "", u.content_type or "application/octet-stream", u.file.read())
        for u in chosen
    ]


def preview(req: StaffRequest) -> Response:
    """The reply exactly as ``reply`` will send it, signature and quote included (htmx fragment)."""
    body, quote = _text(req, "body"), req.field("quote") == "1"
    if not body.strip():
        return req.render("cases/_preview", {"draft": None})
    with req.services.db.unit_of_work() as session:
        reference = req.param("ref")
        case = case_ops.find(session, reference) if valid_reference(reference) else None
        if case is None:
            raise CaseNotFound(reference[:40])
        author = replies.author_of(session, req.user.username)
        draft = replies.draft_reply(req.services.reply_parts, case, body, author, quote=quote)
    addressing = draft.addressing
    return req.render(
        "cases/_preview",
        {
            "draft": {
                "from": f"{addressing.from_name} <{addressing.from_address}>",
                "to": f"{addressing.to_name} <{addressing.to_address}>"
                if addressing.to_name
                else addressing.to_address,
                "subject": draft.rendered.subject,
                "in_reply_to": addressing.in_reply_to or "",
                "text": draft.rendered.text,
            }
        },
    )


def send_reply(req: StaffRequest) -> Response:
    """Send the reply (as ``cases reply``) with its files: it leaves right after the commit; say whether
    the relay took it."""
    body, close, quote = _text(req, "body"), req.field("close") == "1", req.field("quote") == "1"
    author = req.user.username

    def act(session: Session, case: Case) -> str:
        services = req.services
        files = _files(req)
        replies.reply(
            services.reply_parts,
            services.outbox,
            session,
            case,
            body,
            author,
            close=close,
            quote=quote,
            files=files,
        )
        return ""

    with req.services.sending() as sending:  # the outcome of the flush after this commit
        result = _apply(req, act)
    if isinstance(result, Response):
        return result
    reference = result[0]
    if sending.all_sent:  # otherwise it is queued and the mailer loop retries it
        return req.redirect(case_url(reference), t("web.cases.replied", reference=reference))
    return req.redirect(case_url(reference), t("web.cases.reply_queued", reference=reference), "warning")


def add_note(req: StaffRequest) -> Response:
    body, author = _text(req, "body"), req.user.username

    def act(session: Session, case: Case) -> str:
        case_service.add_note(session, case, body, author)
        return t("web.cases.noted", reference=case.reference)

    return _on_case(req, act)


def _given(req: StaffRequest, name: str, limit: int = 200) -> str | None:
    """A form field's value, or None when the form did not send it (that field stays as it is)."""
    return req.field(name).strip()[:limit] if req.form is not None and name in req.form else None


def set_fields(req: StaffRequest) -> Response:
    """Status, focus area, actor type, assignee, tags and the requester's details (as ``cases set``).

    A field that is sent empty is cleared; one that is not sent at all is left alone.
    """
    status, assignee, tags = _given(req, "status"), _given(req, "assignee"), _given(req, "tags", 2000)

    def act(session: Session, case: Case) -> str:
        if assignee and assignee != case.assignee and accounts.find(session, assignee) is None:
            raise InvalidAssignee(t("web.cases.bad_assignee", value=assignee[:120]))
        case_service.set_fields(
            case,
            status=status or None,
            focus=_given(req, "focus"),
            actor_type=_given(req, "actor"),
            assignee=assignee,
            tags=tags.split(",") if tags is not None else None,
            organisation=_given(req, "organisation"),
            municipality=_given(req, "municipality"),
        )
        return t("web.cases.updated", reference=case.reference)

    return _on_case(req, act)


def merge(req: StaffRequest) -> Response:
    """Merge this case into another one (as ``cases merge``); staff then see the case that kept all."""
    into = req.field("into").strip().upper()
    confirmed = req.field("confirm") == "1"
    merged: list[str] = []

    def act(session: Session, case: Case) -> str:
        if not valid_reference(into):
            raise MergeNotConfirmed(t("web.cases.merge_target_missing"))
        if not confirmed:
            raise MergeNotConfirmed(t("web.cases.merge_unconfirmed"))
        target = case_ops.find(session, into)
        case_ops.merge(session, case, target)
        merged.append(target.reference)
        return t("web.cases.merged", source=case.reference, target=target.reference)

    result = _apply(req, act)
    if isinstance(result, Response):
        return result
    return req.redirect(case_url(merged[0]), result[1])  # the case that kept everything


def mark_subscription(req: StaffRequest) -> Response:
    """The mail was a newsletter sign-up: subscribe the sender on staff evidence, close the case."""
    author = req.user.username

    def act(session: Session, case: Case) -> str:
        services = req.services
        policy = services.settings.subscribe.confirm
        outcome = mark_case_subscription(session, case, author, policy=policy, answers=services.system_mailer)
        return t(f"cases.subscription_{outcome.value}", reference=case.reference, address=case.contact.email)

    result = _apply(req, act)
    if isinstance(result, Response):
        return result
    return req.redirect(case_url(result[0]), result[1])


def routes(build: Pagebuilder) -> list[BaseRoute]:
    case = f"{CASES_PATH}/{{ref}}"
    return [
        Route(f"{case}/forhandsgranska", build.staff(preview), methods=["POST"]),
        Route(f"{case}/svar", build.staff(send_reply), methods=["POST"]),
        Route(f"{case}/anteckning", build.staff(add_note), methods=["POST"]),
        Route(f"{case}/falt", build.staff(set_fields), methods=["POST"]),
        Route(f"{case}/sammanfoga", build.staff(merge), methods=["POST"]),
        Route(f"{case}/prenumeration", build.staff(mark_subscription), methods=["POST"]),
    ]
