"""Staff notices are written where cases and messages are made, in the same transaction, for any creator.

Hooks on every session note the cases and requester messages each flush inserts, and just before the
commit add a ``StaffNotice`` for each person the rules (``cases.notify_rules``) name. Whoever opens a case or
adds a message (the inbound pipeline, a case made by hand, a reply recorded from outside the app) gets
notices without calling anything. Nobody is told of their own action: a message's ``author``, a staff
address as its sender, or the staff member a change is made for (``acting``, around each staff request;
``acting_as`` for one session, e.g. in a CLI command) name who that is.
Sending is ``cases.notify_mail``'s job, after the commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import InstanceState, Session, UOWTransaction

from kulturkluster.accounts import StaffUser
from kulturkluster.db import utcnow
from mailer.after_commit import queued

from .models import Case, CaseMessage, CaseStatus, Direction
from .notice_models import NoticeKind, StaffNotice
from .notify_rules import NEWS_WINDOW, Event, Person, recipients

_ACTOR = "kk.notices.actor"
_PEOPLE = "kk.notices.people"
_INSERTED = "kk.notices.inserted"


_acting: ContextVar[str | None] = ContextVar("kk_notices_acting", default=None)


def acting_as(session: Session, username: str | None) -> None:
    """The staff member behind what this session changes (nobody is told about their own action)."""
    session.info[_ACTOR] = username


@contextmanager
def acting(username: str | None) -> Iterator[None]:
    """Everything changed within this block is that staff member's doing (the staff app wraps each
    request in it, so a case made by hand or any other change there names its author)."""
    token = _acting.set(username)
    try:
        yield
    finally:
        _acting.reset(token)


def _actor(session: Session) -> str | None:
    actor: str | None = session.info.get(_ACTOR) or _acting.get()
    return actor


def people(session: Session) -> list[Person]:
    """Every account as the rules see it (loaded once per transaction)."""
    cached: list[Person] | None = session.info.get(_PEOPLE)
    if cached is None:
        rows = session.execute(
            select(
                StaffUser.id,
                StaffUser.username,
                StaffUser.email,
                StaffUser.notify_mode,
                StaffUser.notify_at,
                StaffUser.active,
            )
        )
        cached = [Person(*row) for row in rows]
        session.info[_PEOPLE] = cached
    return cached


def _event_for(session: Session, message: CaseMessage) -> Event:
    actor = message.author or _actor(session)
    return Event(actor=actor, from_address=message.from_address)


def _case_of(session: Session, message: CaseMessage) -> Case | None:
    return session.get(Case, message.case_id) if message.case_id is not None else message.case


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _context: UOWTransaction) -> None:
    """Remember the cases and requester messages inserted; the notices are added just before the commit,
    when every part of the change is there (a case is often flushed before its first message)."""
    inserted = [
        obj
        for obj in session.new
        if isinstance(obj, Case) or (isinstance(obj, CaseMessage) and obj.direction == Direction.IN)
    ]
    if inserted:
        session.info.setdefault(_INSERTED, []).extend(inserted)


@event.listens_for(Session, "before_commit")
def _notice_new_things(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint: the outer transaction decides
    if not session.info.get(_INSERTED) and not any(
        isinstance(obj, (Case, CaseMessage)) for obj in session.new
    ):
        return
    session.flush()
    inserted: list[Case | CaseMessage] = session.info.pop(_INSERTED, [])
    kept = [obj for obj in inserted if _persistent(obj)]  # not undone by a savepoint's rollback
    if not kept:
        return
    new_cases = [obj for obj in kept if isinstance(obj, Case)]
    messages = [obj for obj in kept if isinstance(obj, CaseMessage)]
    with session.no_autoflush:
        added = _add_notices(session, new_cases, messages)
    if added:
        queued(session)  # the notices go out right after the commit (``mailer.after_commit``)


def _persistent(obj: Case | CaseMessage) -> bool:
    state: InstanceState[Any] = inspect(obj)
    return state.persistent


def _add_notices(session: Session, new_cases: list[Case], messages: list[CaseMessage]) -> bool:
    everyone = people(session)
    now = utcnow()
    added = False
    new_ids = {case.id for case in new_cases}
    told: set[int] = set()
    for message in sorted(messages, key=lambda m: (m.created_at or now, m.id)):
        case = _case_of(session, message)
        if case is None or case.merged_into_id is not None or case.id in told:
            continue  # a case is told of once per transaction, by its first requester message
        is_new = case.id in new_ids
        if not _news(case, is_new, now):
            continue
        told.add(case.id)
        kind = NoticeKind.NEW_CASE if is_new else NoticeKind.NEW_MESSAGE
        for person in recipients(_event_for(session, message), everyone):
            session.add(
                StaffNotice(
                    user_id=person.user_id,
                    case_id=case.id,
                    case_message_id=message.id,
                    kind=kind,
                    created_at=now,
                )
            )
            added = True
    for case in new_cases:  # a case made without a requester's message (by hand, with a note only)
        if case.id in told or not _news(case, True, now):
            continue
        for person in recipients(Event(actor=_actor(session)), everyone):
            session.add(
                StaffNotice(user_id=person.user_id, case_id=case.id, kind=NoticeKind.NEW_CASE, created_at=now)
            )
            added = True
    return added


def _news(case: Case, is_new: bool, now: datetime) -> bool:
    """A new case from recent mail, or a message in a case that is open (reopened counts as open)."""
    if is_new:
        return (now - (case.received_at or now)) <= NEWS_WINDOW
    return case.status != CaseStatus.CLOSED


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(_PEOPLE, None)
    if session.get_nested_transaction() is None:
        session.info.pop(_INSERTED, None)
