"""Tables of the list: subscribers and their append-only consent log."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String, Text, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulturkluster.db import Base, UtcDateTime, folded, utcnow


class Status(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    COMPLAINED = "complained"


class Channel(StrEnum):
    """How a change reached us."""

    EMAIL = "email"
    LINK = "link"
    LIST_UNSUBSCRIBE = "list-unsubscribe"
    IMPORT = "import"
    STAFF = "staff"
    SYSTEM = "system"


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    subscribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    bounce_score: Mapped[float] = mapped_column(Float, default=0.0)
    last_bounce_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_temporary_bounce_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    events: Mapped[list[ConsentEvent]] = relationship(
        back_populates="subscriber", order_by="ConsentEvent.id", passive_deletes=True
    )


# Finding an address whatever the case of its local part (imports, staff search); migration 0008
Index("ix_subscribers_email_lower", func.lower(Subscriber.email))
# What the staff search looks in (address and name, one text); a trigram index on it in PostgreSQL with
# pg_trgm (migration 0019 leaves it out where the extension cannot be created)
SEARCH_TEXT = folded(Subscriber.email.concat(literal_column("' '")).concat(Subscriber.name))
Index(
    "ix_subscribers_search_trgm",
    SEARCH_TEXT.label("search_text"),
    postgresql_using="gin",
    postgresql_ops={"search_text": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")


class ConsentEvent(Base):
    """Why an address gets mail, or stopped getting it: one row per change, never updated."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(32))
    old_status: Mapped[str | None] = mapped_column(String(16))
    new_status: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(24))
    policy: Mapped[str | None] = mapped_column(String(64))
    evidence_message_id: Mapped[str | None] = mapped_column(String(998))
    evidence: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120), default="system")

    subscriber: Mapped[Subscriber] = relationship(back_populates="events")


# The log read by time: the evaluation report (list changes per month, unsubscriptions after an issue)
# and the month's list changes on Översikt; every column those queries need is in the index, so they
# never visit the table (migration 0015).
Index(
    "ix_consent_events_at_status",
    ConsentEvent.at,
    ConsentEvent.new_status,
    ConsentEvent.old_status,
    ConsentEvent.subscriber_id,
)


class ConsentEventDay(Base):
    """How many consent events of one UTC day went from one status to another (``old_status`` "" for
    none): what the evaluation report reads instead of the log (``subscribers.consent_days``).

    Kept by triggers on ``consent_events`` (migration 0021). PostgreSQL: they only ever add rows, each
    statement that adds or deletes events its counts (negative for deleted ones), so two writers never
    wait on one row, and ``maintenance run`` folds each past day into one row per change. SQLite (one
    writer at a time): each event adds to its day's one row per change.
    """

    __tablename__ = "consent_event_days"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    old_status: Mapped[str] = mapped_column(String(16), default="", server_default="")
    new_status: Mapped[str] = mapped_column(String(16))
    events: Mapped[int] = mapped_column(Integer)


Index(
    "uq_consent_event_days_change",
    ConsentEventDay.day,
    ConsentEventDay.old_status,
    ConsentEventDay.new_status,
    unique=True,
).ddl_if(dialect="sqlite")
