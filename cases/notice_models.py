"""The table of staff notices: one row per person and event (a new case, a requester's message, a follow-up).

A row is written in the transaction that made the event (``cases.notices``), so nothing is lost when the
process stops before the mail leaves; ``sent_at`` is set when it went out alone or in a daily summary.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kulturkluster.db import Base, UtcDateTime, utcnow

from .models import Case, CaseMessage


class NoticeKind(StrEnum):
    NEW_CASE = "new_case"
    NEW_MESSAGE = "new_message"
    FOLLOW_UP = "follow_up"


class StaffNotice(Base):
    __tablename__ = "staff_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    case_message_id: Mapped[int | None] = mapped_column(ForeignKey("case_messages.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    follow_up_on: Mapped[date | None] = mapped_column(Date)  # a follow-up notice: the day it reminds of
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    case: Mapped[Case] = relationship()
    message: Mapped[CaseMessage | None] = relationship()

    __table_args__ = (
        Index("ix_staff_notices_user_sent", "user_id", "sent_at"),
        # One reminder per person, case and follow-up day, even when two rounds race.
        UniqueConstraint("user_id", "case_id", "follow_up_on", name="uq_staff_notices_follow_up"),
    )
