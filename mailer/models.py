"""Tables of the mailer: the outbox of single messages (answers, receipts, replies)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kulturkluster.db import Base, UtcDateTime, utcnow


class OutgoingStatus:
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker until next_attempt_at (the lease)
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


class OutgoingMessage(Base):
    """One message waiting to be sent, or sent. Written in the same transaction as the change it reports,
    so a crash can neither lose the answer nor send an answer for a change that was rolled back."""

    __tablename__ = "outgoing_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    automatic: Mapped[bool] = mapped_column(Boolean, default=True)
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    sender: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(998), index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=OutgoingStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)  # the relay limits count these
    last_error: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    __table_args__ = (
        Index("ix_outgoing_messages_status_next", "status", "next_attempt_at"),
        Index("ix_outgoing_messages_to_created", "to_address", "created_at"),
        # The automatic-answer caps count recent rows from the index alone (``mailer.outbox``, 0022).
        Index(
            "ix_outgoing_messages_automatic_recent", "automatic", "created_at", "status", "kind", "to_address"
        ),
    )
