"""Repository functions for stored inbound messages. They take the caller's session and never commit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .classify import Route
from .models import InboundMessage

CASE_ROUTES = (Route.NEW_CASE.value, Route.CASE_REPLY.value)


def digests(raw: bytes) -> tuple[str, str]:
    """sha256 of the whole message and of its body (what stays the same when relays add headers)."""
    split = raw.find(b"\r\n\r\n")
    cut = split + 4 if split >= 0 else raw.find(b"\n\n") + 2
    body = raw[cut:] if cut > 1 else b""
    return hashlib.sha256(raw).hexdigest(), hashlib.sha256(body).hexdigest()


def find_duplicate(
    session: Session, sha256: str, body_sha256: str, message_id: str | None
) -> InboundMessage | None:
    """The stored copy of this message: the same bytes, or the same Message-ID with the same body."""
    found = session.scalar(select(InboundMessage).where(InboundMessage.sha256 == sha256))
    if found is not None or not message_id:
        return found
    return session.scalar(
        select(InboundMessage)
        .where(InboundMessage.message_id == message_id, InboundMessage.body_sha256 == body_sha256)
        .limit(1)
    )


def routes_by_sha256(session: Session, sha256s: Sequence[str]) -> dict[str, InboundMessage]:
    rows = session.scalars(select(InboundMessage).where(InboundMessage.sha256.in_(sha256s)))
    return {row.sha256: row for row in rows}


def routes_by_source_ref(session: Session, refs: Sequence[str]) -> dict[str, str]:
    """Route of every already stored message among source references (e.g. IMAP UIDs)."""
    found: dict[str, str] = {}
    for start in range(0, len(refs), 500):
        chunk = list(refs[start : start + 500])
        rows = session.execute(
            select(InboundMessage.source_ref, InboundMessage.route).where(
                InboundMessage.source_ref.in_(chunk)
            )
        )
        found.update({ref: route for ref, route in rows if ref})
    return found


def answers_case_message(session: Session, message_ids: Iterable[str]) -> bool:
    """Whether any of these Message-IDs is a stored message of a case."""
    ids = [mid for mid in message_ids if mid][:50]
    if not ids:
        return False
    hit = session.scalar(
        select(InboundMessage.id)
        .where(InboundMessage.message_id.in_(ids), InboundMessage.route.in_(CASE_ROUTES))
        .limit(1)
    )
    return hit is not None


def list_messages(session: Session, route: str | None = None, limit: int = 100) -> list[InboundMessage]:
    query = select(InboundMessage).order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
    if route:
        query = query.where(InboundMessage.route == route)
    return list(session.scalars(query.limit(limit)))
