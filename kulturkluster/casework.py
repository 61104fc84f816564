"""Staff work on cases that needs more than the case store: replies go out as mail.

The CLI and the web app call these functions; each takes an open session and the services, and never
commits (the caller's unit of work does), so a reply is stored and queued together or not at all.
"""

from __future__ import annotations

import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cases import service as case_service
from cases import store as case_store
from cases.models import Case, CaseMessage, CaseStatus, CaseTag, Direction
from inbound.subject_rules import strip_prefixes
from mailer.compose import Envelope, compose, new_message_id
from subscribers.tokens import Purpose

from .errors import KulturklusterError
from .texts import t
from .wiring import Services

_TAG = re.compile(r"\s*\[\s*KK-\d{4}-\d{3,}\s*\]\s*", re.IGNORECASE)


class CaseError(KulturklusterError):
    """A case operation that cannot be done as asked."""


def find(session: Session, reference: str) -> Case:
    try:
        return case_store.by_reference(session, reference)
    except case_store.CaseNotFound as exc:
        raise CaseError(t("cases.not_found", reference=reference)) from exc


def clean_subject(subject: str) -> str:
    """The case's subject without reply prefixes or our tag, for "SV: [KK-…] <subject>"."""
    return _TAG.sub(" ", strip_prefixes(subject)).strip() or "(inget ämne)"


def reply(
    svc: Services, session: Session, case: Case, body: str, author: str, *, close: bool = False
) -> CaseMessage:
    """Send ``body`` to the case's requester as a threaded mail from the shared address, and record it."""
    if not body.strip():
        raise CaseError(t("cases.empty_reply"))
    thread = [m for m in case.messages if m.direction != Direction.NOTE and m.message_id]
    last_in = next((m for m in reversed(case.messages) if m.direction == Direction.IN), None)
    to_address = (last_in.from_address if last_in else None) or case.contact.email
    org = svc.settings.org
    subject = clean_subject(case.subject)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    rendered = svc.renderer.render(
        "system/case_reply.mjml.j2",
        {
            "org": org,
            "public_url": svc.settings.public_url,
            "paragraphs": paragraphs,
            "case": {"reference": case.reference, "subject": subject},
            "recipient": {"email": to_address, "greeting_name": ""},
        },
    )
    envelope = Envelope(
        from_address=org.address,
        from_name=org.name,
        to_address=to_address,
        to_name=case.contact.name,
        message_id=new_message_id(org.domain, svc.tokens.make(Purpose.CASE, case.reference)),
        in_reply_to=last_in.message_id if last_in else None,
        references=tuple(m.message_id for m in thread[-20:] if m.message_id),
    )
    composed = compose(rendered, envelope, automatic=False, kind="case_reply")
    outgoing = svc.outbox.enqueue(
        session, composed, kind="case_reply", sender=org.address, to_address=to_address, automatic=False
    )
    session.flush()
    return case_service.record_reply(
        session,
        case,
        message_id=composed.message_id,
        subject=composed.subject,
        text=body.strip(),
        author=author,
        outgoing_message_id=outgoing.id,
        close=close,
    )


def merge(session: Session, source: Case, target: Case) -> None:
    """Move every message and tag of ``source`` into ``target``; ``source`` is closed and points there."""
    if source.id == target.id:
        raise CaseError(t("cases.merge_self", reference=source.reference))
    session.execute(update(CaseMessage).where(CaseMessage.case_id == source.id).values(case_id=target.id))
    have = set(session.scalars(select(CaseTag.tag).where(CaseTag.case_id == target.id)))
    for tag in [existing.tag for existing in source.tags if existing.tag not in have]:
        target.tags.append(CaseTag(tag=tag))
    source.merged_into_id = target.id
    case_service.set_status(source, CaseStatus.CLOSED)
    target.received_at = min(target.received_at, source.received_at)
    session.expire(target, ["messages"])
