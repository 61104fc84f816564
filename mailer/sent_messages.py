"""Which of the Message-IDs a returned mail quotes are ours, and to whom we sent them.

A bounce or complaint is believed only about mail we really sent: its Message-ID is random and left our
system only in the message itself, so quoting it shows the report saw that message.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .campaign_models import Delivery
from .models import OutgoingMessage


def recipients(session: Session, message_ids: Iterable[str]) -> dict[str, str]:
    """Message-ID -> the address we sent it to, for those of ``message_ids`` that are ours."""
    wanted = sorted({m for m in message_ids if m})[:50]  # a report quoting more is not about one mail
    if not wanted:
        return {}
    found: dict[str, str] = {}
    for mid, address in session.execute(
        select(Delivery.message_id, Delivery.email).where(Delivery.message_id.in_(wanted))
    ):
        if mid:
            found[mid] = address
    for mid, address in session.execute(
        select(OutgoingMessage.message_id, OutgoingMessage.to_address).where(
            OutgoingMessage.message_id.in_(wanted)
        )
    ):
        found.setdefault(mid, address)
    return found
