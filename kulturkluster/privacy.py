"""Personal data: export everything about one address, erase it, and anonymise old cases (retention).

Erasing keeps the numbers the pilot's evaluation reads: a case keeps its dates, status, focus area and
actor type, but loses every word and address in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Delete, delete, func, or_, select
from sqlalchemy.orm import Session

from cases import store as case_store
from cases.attachments import AttachmentStore
from cases.models import Case, CaseMessage, CaseStatus, Contact
from inbound.models import InboundMessage
from mailer import delivery_counts
from mailer.campaign_models import Delivery, Newsletter
from mailer.models import OutgoingMessage
from subscribers.address import normalize_address
from subscribers.models import Subscriber

from .db import utcnow
from .texts import t

ERASED = "[raderat]"


@dataclass(frozen=True, slots=True)
class ErasureResult:
    subscriber_deleted: bool
    cases_anonymised: int
    inbound_deleted: int
    outgoing_deleted: int


def erasure_summary(address: str, result: ErasureResult) -> str:
    """What an erasure did, in one Swedish sentence (the CLI prints it, the web app shows it)."""
    return t(
        "cli.person_erased",
        address=address,
        subscriber="borttagen" if result.subscriber_deleted else "fanns inte",
        cases=result.cases_anonymised,
        inbound=result.inbound_deleted,
        outgoing=result.outgoing_deleted,
    )


def export_json(data: dict[str, Any]) -> str:
    """An export from ``export_person`` as the JSON document the person gets."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_person(session: Session, address: str) -> dict[str, Any]:
    """Everything stored about ``address``, as JSON-ready data (GDPR art. 15)."""
    email = normalize_address(address).lower()  # whoever asks for Anna@ means anna@ as well
    subscriber = session.scalar(select(Subscriber).where(func.lower(Subscriber.email) == email))
    contact = session.scalar(select(Contact).where(func.lower(Contact.email) == email))
    cases = list(session.scalars(select(Case).where(Case.contact_id == contact.id))) if contact else []
    written = session.scalars(select(CaseMessage).where(func.lower(CaseMessage.from_address) == email))
    other_cases = {m.case_id for m in written} - {c.id for c in cases}
    cases += list(session.scalars(select(Case).where(Case.id.in_(other_cases)))) if other_cases else []
    inbound = session.scalars(select(InboundMessage).where(func.lower(InboundMessage.from_address) == email))
    outgoing = session.scalars(select(OutgoingMessage).where(func.lower(OutgoingMessage.to_address) == email))
    deliveries = session.execute(
        select(Delivery, Newsletter.subject)
        .join(Newsletter, Newsletter.id == Delivery.newsletter_id)
        .where(func.lower(Delivery.email) == email)
        .order_by(Delivery.id)
    )
    return {
        "address": email,
        "subscriber": _subscriber(subscriber) if subscriber else None,
        "contact": {
            "name": contact.name,
            "organisation": contact.organisation,
            "municipality": contact.municipality,
            "phone": contact.phone,
        }
        if contact
        else None,
        "cases": [_case(case) for case in cases],
        "inbound_messages": [
            {"received_at": _iso(m.received_at), "subject": m.subject, "route": m.route, "reason": m.reason}
            for m in inbound
        ],
        "outgoing_messages": [
            {"created_at": _iso(m.created_at), "kind": m.kind, "subject": m.subject, "status": m.status}
            for m in outgoing
        ],
        "newsletters": [
            {"newsletter": subject, "status": d.status, "sent_at": _iso(d.sent_at), "error": d.last_error}
            for d, subject in deliveries
        ],
    }


def erase_person(session: Session, address: str, files: AttachmentStore) -> ErasureResult:
    """Remove ``address`` everywhere (GDPR art. 17): list membership and consent log, the raw mail it sent,
    mail sent to it, and every word of its cases, which stay only as numbers."""
    email = normalize_address(address).lower()
    subscriber = session.scalar(select(Subscriber).where(func.lower(Subscriber.email) == email))
    if subscriber is not None:
        session.delete(subscriber)
    contact = session.scalar(select(Contact).where(func.lower(Contact.email) == email))
    case_ids = (
        set(session.scalars(select(Case.id).where(Case.contact_id == contact.id))) if contact else set()
    )
    for case in session.scalars(select(Case).where(Case.id.in_(case_ids))):
        anonymise_case(session, case, files)
    session.flush()
    # What the person wrote in other people's cases (e.g. copied in on a thread).
    for message in session.scalars(select(CaseMessage).where(func.lower(CaseMessage.from_address) == email)):
        _anonymise_message(session, message, files)
    if contact is not None:
        _anonymise_contact(contact)
    inbound = _delete(session, delete(InboundMessage).where(func.lower(InboundMessage.from_address) == email))
    outgoing = _delete(
        session, delete(OutgoingMessage).where(func.lower(OutgoingMessage.to_address) == email)
    )
    # Which newsletters went to the address; the campaign's total stays as it was, its counts lose them.
    gone = session.execute(
        delete(Delivery)
        .where(func.lower(Delivery.email) == email)
        .returning(Delivery.newsletter_id, Delivery.status)
    )
    delivery_counts.removed(session, [(newsletter_id, status, 1) for newsletter_id, status in gone.all()])
    return ErasureResult(subscriber is not None, len(case_ids), inbound, outgoing)


def _delete(session: Session, statement: Delete) -> int:
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount or 0


def anonymise_case(session: Session, case: Case, files: AttachmentStore) -> None:
    """Remove every word and address from a case; its dates, status and classification stay."""
    for message in case.messages:
        _anonymise_message(session, message, files)
    case.subject = ERASED
    case.tags.clear()
    case.anonymised_at = utcnow()


def apply_retention(session: Session, months: int, files: AttachmentStore) -> int:
    """Anonymise cases closed more than ``months`` months ago (30-day months); 0 does nothing."""
    if months <= 0:
        return 0
    cutoff = utcnow() - timedelta(days=30 * months)
    old = list(
        session.scalars(
            select(Case).where(
                Case.status == CaseStatus.CLOSED, Case.closed_at < cutoff, Case.anonymised_at.is_(None)
            )
        )
    )
    for case in old:
        anonymise_case(session, case, files)
    session.flush()
    not_yet = or_(Contact.email.is_(None), ~Contact.email.like("raderad-%"))  # a phone case has no address
    for contact in session.scalars(select(Contact).where(not_yet)):
        live = select(Case.id).where(Case.contact_id == contact.id, Case.anonymised_at.is_(None))
        if session.scalar(select(func.count()).select_from(live.subquery())) == 0:
            _anonymise_contact(contact)
    return len(old)


def _anonymise_message(session: Session, message: CaseMessage, files: AttachmentStore) -> None:
    inbound_id = message.inbound_message_id
    message.subject, message.text, message.html = ERASED, ERASED, None
    message.search_text = None
    message.from_address = None
    message.message_id = None
    message.inbound_message_id = None
    for attachment in list(message.attachments):
        case_store.forget_attachment_file(session, attachment, files)
        message.attachments.remove(attachment)
        session.delete(attachment)
    if inbound_id is not None:
        session.execute(delete(InboundMessage).where(InboundMessage.id == inbound_id))


def _anonymise_contact(contact: Contact) -> None:
    contact.email = f"raderad-{contact.id}@anonymiserad.invalid"
    contact.name = contact.organisation = contact.municipality = contact.phone = ""


def _subscriber(subscriber: Subscriber) -> dict[str, Any]:
    return {
        "status": subscriber.status,
        "name": subscriber.name,
        "created_at": _iso(subscriber.created_at),
        "subscribed_at": _iso(subscriber.subscribed_at),
        "consent_log": [
            {
                "at": _iso(e.at),
                "action": e.action,
                "channel": e.channel,
                "new_status": e.new_status,
                "evidence_message_id": e.evidence_message_id,
                "evidence": e.evidence,
                "policy": e.policy,
            }
            for e in subscriber.events
        ],
    }


def _case(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference,
        "subject": case.subject,
        "status": case.status,
        "focus_area": case.focus_area,
        "actor_type": case.actor_type,
        "received_at": _iso(case.received_at),
        "closed_at": _iso(case.closed_at),
        "messages": [
            {
                "direction": m.direction,
                "at": _iso(m.created_at),
                "from": m.from_address,
                "subject": m.subject,
                "text": m.text,
                "attachments": [{"filename": a.filename, "size": a.size} for a in m.attachments],
            }
            for m in case.messages
        ],
    }
