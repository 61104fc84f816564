"""Tables of the inbound side: every message received, and per-mailbox IMAP bookkeeping."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kulturkluster.db import Base, UtcDateTime, utcnow


class InboundMessage(Base):
    """One received message, stored once with its raw bytes, route and the reason for that route."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str | None] = mapped_column(String(512), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    from_address: Mapped[str | None] = mapped_column(String(320), index=True)
    from_name: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[str | None] = mapped_column(Text)
    route: Mapped[str] = mapped_column(String(16), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    __table_args__ = (Index("ix_inbound_messages_route_received", "route", "received_at"),)


class MailboxState(Base):
    """Health and UIDVALIDITY of a mail source (an IMAP folder, a Maildir).

    Stored messages remember their UID together with the UIDVALIDITY it belongs to (``source_ref``), so a
    new UIDVALIDITY simply makes old references miss; it is recorded here to log when that happens.
    """

    __tablename__ = "mailbox_state"

    mailbox: Mapped[str] = mapped_column(String(512), primary_key=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_success_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SentFolderState(Base):
    """How far the shared mailbox's Sent folder has been read (``inbound.sent_folder``): the highest UID
    looked at under its UIDVALIDITY. A new UIDVALIDITY reads the folder again; the case store's
    Message-IDs keep that from recording a reply twice."""

    __tablename__ = "imap_sent_state"

    folder: Mapped[str] = mapped_column(String(255), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
