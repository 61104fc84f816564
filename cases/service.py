"""Case operations: open, add mail in, record replies out and notes, change fields. Never commits.

The CLI and the staff web app both call these; replies that go out as mail are ``cases.replies``, finding
and merging cases ``cases.operations``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from kulturkluster.db import utcnow
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from . import search, store
from .attachments import AttachmentStore, SpooledFile
from .models import ActorType, Case, CaseAttachment, CaseMessage, CaseStatus, CaseTag, Direction, FocusArea
from .sanitize import sanitize_html


class InvalidCaseField(KulturklusterError):
    """A value given for a case field is not one of the allowed ones."""

    kind = ErrorKind.INVALID


class EmptyNote(KulturklusterError):
    """An internal note without any text."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class InboundMail:
    """A stored inbound message as the case store takes it (plain data: cases does not import inbound)."""

    row_id: int
    message_id: str | None
    from_address: str | None
    subject: str
    text: str
    html: str | None
    # (filename, content type, the bytes or, for a big mail, the file the parse worker wrote them to)
    attachments: list[tuple[str | None, str, bytes | SpooledFile]]


def open_case(
    session: Session,
    sender: str,
    name: str,
    subject: str,
    received_at: datetime,
    cache: store.CaseCache | None = None,
) -> Case:
    contact = store.contact_for(session, sender, name, cache)
    case = Case(
        reference=store.next_reference(session, received_at.year, cache),
        contact=contact,
        subject=subject[:2000],
        status=CaseStatus.NEW,
        received_at=received_at,
        updated_at=received_at,
    )
    session.add(case)
    return case


def add_inbound(session: Session, case: Case, inbound: InboundMail, files: AttachmentStore) -> CaseMessage:
    message = CaseMessage(
        direction=Direction.IN,
        inbound_message_id=inbound.row_id,
        message_id=inbound.message_id,
        from_address=inbound.from_address,
        subject=inbound.subject[:2000],
        text=inbound.text,
        html=sanitize_html(inbound.html) if inbound.html else None,
        created_at=utcnow(),
    )
    attach(message, inbound.attachments, files)
    index(session, message)
    if case.id is None:
        message.case = case  # a case opened in this transaction: inserted together at the next flush
    else:
        message.case_id = case.id  # no lazy load of the thread
    session.add(message)
    case.updated_at = message.created_at
    return message


def attach(
    message: CaseMessage,
    attachments: Sequence[tuple[str | None, str, bytes | SpooledFile]],
    files: AttachmentStore,
) -> None:
    """Keep a mail's attachments with its message: the bytes in the file store (a big mail's already in a
    file the parse worker wrote, adopted by a rename), the facts in the table."""
    for filename, content_type, content in attachments:
        message.attachments.append(
            CaseAttachment(
                filename=(filename or "bilaga")[:255],
                content_type=content_type[:255],
                size=content.size if isinstance(content, SpooledFile) else len(content),
                sha256=files.adopt(content) if isinstance(content, SpooledFile) else files.put(content),
            )
        )


def index(session: Session, message: CaseMessage) -> None:
    if search.needs_search_text(session):
        message.search_text = search.stemmed(message.subject or "", message.text or "")


def reopen(case: Case) -> None:
    case.status, case.closed_at = CaseStatus.IN_PROGRESS, None


def record_reply(
    session: Session,
    case: Case,
    *,
    message_id: str,
    subject: str,
    text: str,
    author: str,
    outgoing_message_id: int | None,
    close: bool,
) -> CaseMessage:
    """A reply that was sent (or queued): first response time, the case waits for the actor or closes, and
    an unassigned case is now its author's."""
    now = utcnow()
    message = CaseMessage(
        case_id=case.id,
        direction=Direction.OUT,
        outgoing_message_id=outgoing_message_id,
        message_id=message_id,
        author=author,
        subject=subject,
        text=text,
        created_at=now,
    )
    index(session, message)
    session.add(message)
    case.first_response_at = case.first_response_at or now
    case.assignee = case.assignee or author[:120]
    case.updated_at = now
    set_status(case, CaseStatus.CLOSED if close else CaseStatus.WAITING)
    return message


@dataclass(frozen=True, slots=True)
class OutsideReply:
    """A reply staff sent from their own mail program (read from the inbox or the Sent folder)."""

    author: str
    message_id: str | None
    from_address: str | None
    subject: str
    text: str
    html: str | None
    sent_at: datetime
    attachments: list[tuple[str | None, str, bytes]]
    inbound_row_id: int | None = None


def record_outside_reply(
    session: Session, case: Case, reply: OutsideReply, files: AttachmentStore
) -> CaseMessage:
    """Record a reply sent outside the app as the app records its own (``record_reply``): first response
    time if unset, and the case waits for the actor. Its time is when it was sent, not when we read it."""
    sent_at = min(max(reply.sent_at, case.received_at), utcnow())  # a mail's Date may be off either way
    message = CaseMessage(
        direction=Direction.OUT,
        inbound_message_id=reply.inbound_row_id,
        message_id=reply.message_id,
        from_address=reply.from_address,
        author=reply.author[:120],
        subject=reply.subject[:2000],
        text=reply.text,
        html=sanitize_html(reply.html) if reply.html else None,
        created_at=sent_at,
    )
    attach(message, reply.attachments, files)
    index(session, message)
    message.case_id = case.id
    session.add(message)
    if case.first_response_at is None or sent_at < case.first_response_at:
        case.first_response_at = sent_at
    set_status(case, CaseStatus.WAITING)
    return message


def add_note(session: Session, case: Case, text: str, author: str) -> CaseMessage:
    if not text.strip():
        raise EmptyNote(t("cases.empty_note"))
    note = CaseMessage(
        case_id=case.id, direction=Direction.NOTE, author=author, text=text, created_at=utcnow()
    )
    index(session, note)
    session.add(note)
    case.updated_at = note.created_at
    return note


def set_status(case: Case, status: str) -> None:
    value = _member(CaseStatus, status, "status")
    case.status = value
    case.closed_at = (case.closed_at or utcnow()) if value == CaseStatus.CLOSED else None
    case.updated_at = utcnow()


def set_fields(
    case: Case,
    *,
    status: str | None = None,
    focus: str | None = None,
    actor_type: str | None = None,
    assignee: str | None = None,
    tags: list[str] | None = None,
    organisation: str | None = None,
    municipality: str | None = None,
) -> None:
    """``cases set`` and the case page's field form: change what is given (None leaves a field alone; an
    empty string clears it). ``organisation`` and ``municipality`` are the requester's (the contact's)."""
    if status is not None:
        set_status(case, status)
    if focus is not None:
        case.focus_area = _member(FocusArea, focus, t("cases.field_focus")) if focus else None
    if actor_type is not None:
        case.actor_type = _member(ActorType, actor_type, t("cases.field_actor_type")) if actor_type else None
    if assignee is not None:
        case.assignee = assignee or None
    if tags is not None:
        wanted = sorted({tag.strip().lower()[:60].strip() for tag in tags if tag.strip()})  # cut, then dedupe
        case.tags[:] = [CaseTag(tag=tag) for tag in wanted]
    if organisation is not None:
        case.contact.organisation = organisation.strip()
    if municipality is not None:
        case.contact.municipality = municipality.strip()
    case.updated_at = utcnow()


def _member(enum: type[CaseStatus] | type[FocusArea] | type[ActorType], value: str, field: str) -> str:
    cleaned = value.strip().lower()
    allowed = [member.value for member in enum]
    if cleaned not in allowed:
        raise InvalidCaseField(t("cases.invalid_field", field=field, value=value, allowed=", ".join(allowed)))
    return cleaned
