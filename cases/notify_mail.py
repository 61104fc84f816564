"""Sending staff notices: each at once ("every"), or one summary a day ("daily"), through the outbox.

``Notifier.send_pending`` turns notices not yet sent into mail for the people who want each at once;
``run_due`` also adds the day's follow-up reminders and sends the daily summaries that are due. Both run
in the caller's transaction (never committing); the mail leaves after its commit like any other.
Notification mail is from the shared address, carries our sealed marker (``compose``) and a Message-ID
of our automatic answers, so if it comes back into the mailbox it is filed as our own mail, never as a
case or another notice.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kulturkluster.accounts import StaffUser
from kulturkluster.answers import AUTOMATIC_PREFIX
from kulturkluster.settings import OrgSettings
from mailer.compose import Addressing, compose, new_message_id
from mailer.outbox import Outbox
from mailer.render import Renderer
from subscribers.tokens import TokenSigner

from . import notices, notify_rules
from .models import Case, CaseMessage, CaseStatus, Direction
from .notice_models import NoticeKind, StaffNotice
from .notify_rules import NoticeItem, NotifyMode
from .notify_words import follow_up_label, summary_title

# The staff app's case page (``kulturkluster.web.staff.case_view``); the domain does not import the web.
CASE_PAGE = "/app/arenden/{reference}"


@dataclass(frozen=True, slots=True)
class RunResult:
    notices: int = 0  # single notice mails queued
    summaries: int = 0
    reminders: int = 0  # follow-up notices added


class Notifier:
    def __init__(
        self, org: OrgSettings, public_url: str, renderer: Renderer, outbox: Outbox, tokens: TokenSigner
    ) -> None:
        self.org = org
        self.public_url = public_url.rstrip("/")
        self.renderer = renderer
        self.outbox = outbox
        self.tokens = tokens

    def case_url(self, reference: str) -> str:
        return self.public_url + CASE_PAGE.format(reference=quote(reference))

    def run_due(self, session: Session, now: datetime) -> RunResult:
        """The scheduled work: the day's reminders, single notices, and the summaries that are due."""
        reminders = self.add_reminders(session, now)
        sent = self.send_pending(session, now)
        summaries = self.send_summaries(session, now)
        return RunResult(sent, summaries, reminders)

    # -- follow-up ------------------------------------------------------------------------------------

    def add_reminders(self, session: Session, now: datetime) -> int:
        """A follow-up notice per person and case whose follow-up day is today, once the person's time of
        day has come (reminders and summaries go at the same chosen time)."""
        today = notify_rules.today(now)
        everyone = notices.people(session)
        due = session.scalars(
            select(Case).where(
                Case.follow_up_on == today, Case.status != CaseStatus.CLOSED, Case.merged_into_id.is_(None)
            )
        ).all()
        if not due:
            return 0
        done = {
            (user_id, case_id)
            for user_id, case_id in session.execute(
                select(StaffNotice.user_id, StaffNotice.case_id).where(
                    StaffNotice.kind == NoticeKind.FOLLOW_UP,
                    StaffNotice.follow_up_on == today,
                    StaffNotice.case_id.in_([case.id for case in due]),
                )
            )
        }
        added = 0
        for case in due:
            for person in notify_rules.reminded(case.assignee, everyone, [self.org.address]):
                if (person.user_id, case.id) in done or not notify_rules.time_has_come(now, person.notify_at):
                    continue
                session.add(
                    StaffNotice(
                        user_id=person.user_id,
                        case_id=case.id,
                        kind=NoticeKind.FOLLOW_UP,
                        follow_up_on=today,
                        created_at=now,
                    )
                )
                added += 1
        session.flush()
        return added

    # -- single notices -------------------------------------------------------------------------------

    def send_pending(self, session: Session, now: datetime) -> int:
        """Mail each notice not yet sent to the people who want every event (those who want none have
        theirs dropped; daily ones wait for the summary); returns how many went."""
        rows = session.execute(
            self._unsent()
            .join(StaffUser, StaffUser.id == StaffNotice.user_id)
            .where(StaffUser.notify_mode != NotifyMode.DAILY)  # "none": left from before, dropped unsent
            .add_columns(StaffUser)
        ).all()
        sent = 0
        for notice, user in rows:
            if user.notify_mode == NotifyMode.EVERY and self._can_mail(user):
                item = self._item(notice, now)
                context = {"item": _item_context(item), "recipient": {"email": user.email}}
                self._queue(session, "staff_notice", user, context)
                sent += 1
            notice.sent_at = now
        return sent

    # -- daily summaries ------------------------------------------------------------------------------

    def send_summaries(self, session: Session, now: datetime) -> int:
        users = session.scalars(
            select(StaffUser).where(StaffUser.notify_mode == NotifyMode.DAILY, StaffUser.active.is_(True))
        ).all()
        sent = 0
        for user in users:
            if not notify_rules.summary_due(now, user.notify_at, user.summary_sent_at):
                continue
            locked = session.scalar(  # two processes at the same minute: one summary (PostgreSQL locks)
                select(StaffUser)
                .where(StaffUser.id == user.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            if locked is None or not notify_rules.summary_due(now, locked.notify_at, locked.summary_sent_at):
                continue
            pending = session.scalars(self._unsent().where(StaffNotice.user_id == user.id)).all()
            summary = notify_rules.summarise(self._item(n, now) for n in pending)
            if not summary.empty and self._can_mail(user):
                self._queue(session, "staff_summary", user, _summary_context(summary, user))
                sent += 1
            for notice in pending:
                notice.sent_at = now
            locked.summary_sent_at = now
        return sent

    # -- parts ----------------------------------------------------------------------------------------

    @staticmethod
    def _unsent() -> Any:
        return (
            select(StaffNotice)
            .where(StaffNotice.sent_at.is_(None))
            .options(
                selectinload(StaffNotice.case).selectinload(Case.messages), selectinload(StaffNotice.message)
            )
            .order_by(StaffNotice.id)
            .with_for_update(skip_locked=True, of=StaffNotice)
        )

    def _can_mail(self, user: StaffUser) -> bool:
        return bool(user.active and user.email) and user.email.lower() != self.org.address.lower()

    def _item(self, notice: StaffNotice, now: datetime) -> NoticeItem:
        case = notice.case
        message = notice.message or _first_from_requester(case.messages)
        excerpt = notify_rules.first_lines(message.text) if message is not None else ""
        label = follow_up_label(notice.follow_up_on, notify_rules.today(now)) if notice.follow_up_on else ""
        return NoticeItem(
            kind=notice.kind,
            reference=case.reference,
            subject=case.subject,
            excerpt="" if case.anonymised_at else excerpt,
            url=self.case_url(case.reference),
            at=notice.created_at,
            follow_up_on=notice.follow_up_on,
            assignee=case.assignee or "",
            follow_up_label=label,
        )

    def _queue(self, session: Session, template: str, user: StaffUser, context: dict[str, Any]) -> None:
        rendered = self.renderer.render(
            f"system/{template}.mjml.j2", {"org": self.org, "public_url": self.public_url, **context}
        )
        addressing = Addressing(
            from_address=self.org.address,
            from_name=self.org.name,
            to_address=user.email,
            to_name=user.display_name,
            message_id=new_message_id(self.org.domain, f"{AUTOMATIC_PREFIX}{uuid.uuid4().hex}"),
        )
        composed = compose(rendered, addressing, automatic=True, kind=template, signer=self.tokens)
        # Not capped like answers to the public: a busy day must not silence the office's own notices.
        self.outbox.enqueue(
            session, composed, kind=template, sender=self.org.address, to_address=user.email, automatic=False
        )


def _first_from_requester(messages: Sequence[CaseMessage]) -> CaseMessage | None:
    return next((m for m in messages if m.direction == Direction.IN), None)


def _item_context(item: NoticeItem) -> dict[str, Any]:
    return {
        "kind": item.kind,
        "reference": item.reference,
        "subject": item.subject,
        "excerpt": item.excerpt,
        "url": item.url,
        "assignee": item.assignee,
        "follow_up_label": item.follow_up_label,
    }


def _summary_context(summary: notify_rules.Summary, user: StaffUser) -> dict[str, Any]:
    return {
        "summary_title": summary_title(summary),
        "new_cases": [_item_context(i) for i in summary.new_cases],
        "new_messages": [_item_context(i) for i in summary.new_messages],
        "follow_ups": [_item_context(i) for i in summary.follow_ups],
        "recipient": {"email": user.email},
    }
