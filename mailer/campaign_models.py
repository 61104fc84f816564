"""Tables of the newsletter sender: newsletters (campaigns) and one delivery row per recipient."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from kulturkluster.db import Base, UtcDateTime, utcnow


class NewsletterStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # waits for scheduled_at; the recipients are taken when sending starts
    SENDING = "sending"
    PAUSED = "paused"
    SENT = "sent"  # every delivery has an outcome
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"
    FAILED = "failed"  # refused (5xx) or retries exhausted; last_error has the server's reply
    SKIPPED = "skipped"  # left the list after the snapshot, before their turn
    CANCELLED = "cancelled"


class Newsletter(Base):
    __tablename__ = "newsletters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    template: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(Text)
    preheader: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text)  # the Markdown source with its front matter
    status: Mapped[str] = mapped_column(String(16), default=NewsletterStatus.DRAFT, index=True)
    created_by: Mapped[str] = mapped_column(String(120), default="staff")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    scheduled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Frozen when sending starts (markers where each recipient's values go), so a campaign that spans days
    # sends the same letter to everyone, and the "view in browser" page shows exactly what was sent.
    html: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why sending stopped by itself (the relay's reply when it kept refusing us); None when staff paused.
    pause_reason: Mapped[str | None] = mapped_column(Text)
    total: Mapped[int] = mapped_column(Integer, default=0)
    # The deliveries by outcome, kept by every statement that changes one (``mailer.delivery_counts``), so
    # the pages need not count a million rows. Remaining: queued or sending.
    remaining_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sent_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    skipped_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cancelled_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # An admin took this issue out of the public archive (/arkiv); sent issues are in it otherwise.
    archive_hidden: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Delivery(Base):
    """One recipient of one newsletter: the snapshot taken when sending started, and the outcome."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign keys and no unique (newsletter_id, email): checked per row they were two thirds of a
    # 1,000,000-recipient snapshot, and guarded nothing the code does not (migration 0018).
    newsletter_id: Mapped[int] = mapped_column(Integer)
    subscriber_id: Mapped[int | None] = mapped_column(Integer)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # When the message was last handed to the relay: the rate limits count these.
    attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    smtp_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        Index("ix_deliveries_claim", "newsletter_id", "status", "next_attempt_at"),
        Index(  # only rows handed to the relay: the snapshot's rows are not indexed here
            "ix_deliveries_attempted_at",
            "attempted_at",
            postgresql_where=text("attempted_at IS NOT NULL"),
            sqlite_where=text("attempted_at IS NOT NULL"),
        ),
        Index(
            "ix_deliveries_newsletter_subscriber", "newsletter_id", "subscriber_id"
        ),  # the evaluation report
    )
