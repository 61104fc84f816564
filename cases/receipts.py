"""The automatic receipt a case's first mail got, for its thread: read from the outbox, never a case message.

A receipt is not a reply (nobody wrote it, it does not set the first response), so it is not stored in
the case; the outbox row that carried it knows the inbound mail it answered. Suppressed receipts (over the
caps on automatic answers) never left and are not shown.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from kulturkluster.answers import AnswerKind
from mailer.models import OutgoingMessage, OutgoingStatus


@dataclass(frozen=True, slots=True)
class Receipt:
    inbound_message_id: int
    created_at: datetime
    to_address: str
    subject: str
    text: str
    status: str  # OutgoingStatus: queued, sending, sent or failed


def receipts_for(session: Session, inbound_ids: Collection[int]) -> list[Receipt]:
    """The receipts that answered any of these inbound mails, oldest first."""
    if not inbound_ids:
        return []
    rows = session.scalars(
        select(OutgoingMessage)
        .options(undefer(OutgoingMessage.raw))
        .where(
            OutgoingMessage.kind == AnswerKind.RECEIPT.value,
            OutgoingMessage.inbound_message_id.in_(list(inbound_ids)),
            OutgoingMessage.status != OutgoingStatus.SUPPRESSED,
        )
        .order_by(OutgoingMessage.created_at, OutgoingMessage.id)
    )
    return [
        Receipt(
            inbound_message_id=row.inbound_message_id or 0,
            created_at=row.created_at,
            to_address=row.to_address,
            subject=row.subject,
            text=plain_text(row.raw),
            status=row.status,
        )
        for row in rows
    ]


def plain_text(raw: bytes) -> str:
    """The text/plain part of a message we composed ("" if it has none)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    if not isinstance(message, EmailMessage):
        return ""
    body = message.get_body(("plain",))
    try:
        content = body.get_content() if body is not None else ""
    except (LookupError, ValueError):  # an unknown charset or a broken part: show no text, not an error
        return ""
    return content if isinstance(content, str) else ""
