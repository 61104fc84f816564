"""Tables of the case store: contacts, cases, their messages and attachments, and the yearly numbering."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulturkluster.db import Base, UtcDateTime, utcnow


class CaseStatus(StrEnum):
    NEW = "ny"
    IN_PROGRESS = "pågående"
    WAITING = "väntar"
    CLOSED = "avslutad"


class FocusArea(StrEnum):
    SUPPORT = "stöd"
    KNOWLEDGE = "kunskap"
    CONTACT = "kontakt"


class ActorType(StrEnum):
    ENTREPRENEUR = "företagare"
    ASSOCIATION = "förening"
    PROFESSIONAL = "professionell"
    SEMI_PROFESSIONAL = "semiprofessionell"
    AMATEUR = "amatör"
    MUNICIPALITY = "kommun"
    REGION = "region"
    OTHER = "annan"


# The tag of a case that staff found to be a newsletter sign-up: the reports leave it out.
SUBSCRIPTION_TAG = "prenumeration"


class Channel(StrEnum):
    """How the guidance was asked for: mail cases are ``epost``, the rest are recorded by hand."""

    EMAIL = "epost"
    PHONE = "telefon"
    VISIT = "besok"
    MEETING = "mote"
    EVENT = "evenemang"


class Direction(StrEnum):
    IN = "in"
    OUT = "out"
    NOTE = "note"


class Contact(Base):
    """A person who writes to us (the requester of cases). A case recorded by hand may have a requester
    without an address (a phone call): ``email`` is None, and unique where it is given."""

    __tablename__ = "contacts"
    # The server default only fills rows older than the column; new rows get the Python default, so an
    # INSERT never has to read it back (which would make a batch's INSERT one huge multi-row statement).
    __mapper_args__ = {"eager_defaults": False}  # noqa: RUF012 - read from the class by SQLAlchemy

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(Text, default="")
    organisation: Mapped[str] = mapped_column(Text, default="")
    municipality: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# A case's context: the organisation's other requesters (``cases.related``), whatever the case of its name.
Index("ix_contacts_organisation_lower", func.lower(func.trim(Contact.organisation)))
# The case search's requester half (``cases.search.requesters``): part of an address, name or organisation;
# trigram indexes in PostgreSQL with pg_trgm (migration 0021 leaves them out where it cannot be created).
for _column in (Contact.email, Contact.name, Contact.organisation):
    Index(
        f"ix_contacts_{_column.key}_trgm",
        func.lower(_column).label("folded"),
        postgresql_using="gin",
        postgresql_ops={"folded": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


class CaseSequence(Base):
    """The last case number given out in a year (references are KK-<year>-<number>)."""

    __tablename__ = "case_sequences"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Case(Base):
    __tablename__ = "cases"
    __mapper_args__ = {"eager_defaults": False}  # noqa: RUF012 - as Contact's

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.NEW, index=True)
    focus_area: Mapped[str | None] = mapped_column(String(16), index=True)
    actor_type: Mapped[str | None] = mapped_column(String(24), index=True)
    assignee: Mapped[str | None] = mapped_column(String(120), index=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    follows_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # content removed; counts remain
    channel: Mapped[str] = mapped_column(
        String(16), default=Channel.EMAIL, server_default="epost", index=True
    )
    follow_up_on: Mapped[date | None] = mapped_column(Date, index=True)  # "följ upp": a day in Stockholm

    contact: Mapped[Contact] = relationship()
    messages: Mapped[list[CaseMessage]] = relationship(
        back_populates="case",
        order_by="CaseMessage.created_at, CaseMessage.id",
        foreign_keys="CaseMessage.case_id",
    )
    tags: Mapped[list[CaseTag]] = relationship(cascade="all, delete-orphan", order_by="CaseTag.tag")


class CaseTag(Base):
    __tablename__ = "case_tags"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class CaseMessage(Base):
    """One entry of a case's thread: a mail in, a reply out, or an internal note."""

    __tablename__ = "case_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_messages.id", ondelete="SET NULL"), unique=True
    )
    outgoing_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outgoing_messages.id", ondelete="SET NULL")
    )
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    from_address: Mapped[str | None] = mapped_column(String(320), index=True)
    author: Mapped[str | None] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)  # sanitised (nh3) before it is stored
    # Stemmed words for SQLite's FTS5 index (cases.search); PostgreSQL indexes subject and text itself.
    search_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="messages", foreign_keys=[case_id])
    attachments: Mapped[list[CaseAttachment]] = relationship(order_by="CaseAttachment.id")

    __table_args__ = (Index("ix_case_messages_case_created", "case_id", "created_at"),)


class CaseAttachment(Base):
    """An attachment's metadata; the bytes live in a content-addressed file store (``cases.attachments``)."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_message_id: Mapped[int] = mapped_column(
        ForeignKey("case_messages.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)  # None: over the size limit, not kept


class ReplyTemplate(Base):
    """A canned answer ("svarsmall") staff start a reply from; placeholders are filled in ``cases.canned``."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
