"""Repository functions for cases. They take the caller's session and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from kulturkluster.db import utcnow
from subscribers.address import normalize_address

from .attachments import AttachmentStore
from .models import (
    Case,
    CaseAttachment,
    CaseMessage,
    CaseSequence,
    CaseStatus,
    CaseTag,
    Contact,
    Direction,
)
from .reference import BARE_REFERENCE, CASE_TAG, CaseNotFound, mentioned_reference
from .thread_match import Candidates, CaseFacts, Match, decide


class CaseCache:
    """What a batch of inbound mail looked up once: contacts by address, and the years whose reference
    counter row is known to exist. Passed to ``contact_for``/``next_reference`` by whoever created it and
    dropped when its transaction ends (or a savepoint it filled is rolled back)."""

    def __init__(self, expected_new: int = 0) -> None:
        self.contacts: dict[str, Contact | None] = {}
        self.sequence_years: set[int] = set()
        # Reference numbers are reserved a block at a time, as many as the batch is expected to open
        # cases; ``release_numbers`` gives back what was not used before the transaction commits.
        self.expected_new = expected_new
        self.handed_out = 0
        self.numbers: dict[int, tuple[int, int]] = {}  # year -> (next unused, last reserved)


def next_reference(session: Session, year: int, cache: CaseCache | None = None) -> str:
    """``KK-<year>-<nnnn>``: one number per case and year, unique under concurrent workers.

    The UPDATE ... RETURNING takes the row lock on PostgreSQL (a second worker waits for the first to
    commit); SQLite serialises writers anyway. With a batch's cache, one UPDATE reserves the numbers for
    every case the batch is expected to open.
    """
    if cache is not None:
        unused, last = cache.numbers.get(year, (1, 0))
        if unused <= last:
            cache.numbers[year] = (unused + 1, last)
            cache.handed_out += 1
            return f"KK-{year}-{unused:04d}"
    size = max(1, cache.expected_new - cache.handed_out) if cache is not None else 1
    if cache is None or year not in cache.sequence_years:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(insert(CaseSequence).values(year=year, last_number=0).on_conflict_do_nothing())
        if cache is not None:
            cache.sequence_years.add(year)
    table: Table = CaseSequence.__table__  # type: ignore[assignment]
    # On the session's connection: an ORM-enabled UPDATE would cost a millisecond of bookkeeping per case.
    last = (
        session.connection()
        .execute(
            update(table)
            .where(table.c.year == year)
            .values(last_number=table.c.last_number + size)
            .returning(table.c.last_number)
        )
        .scalar_one()
    )
    number = last - size + 1
    if cache is not None:
        cache.numbers[year] = (number + 1, last)
        cache.handed_out += 1
    return f"KK-{year}-{number:04d}"


def release_numbers(session: Session, cache: CaseCache) -> None:
    """Give back the reserved reference numbers a batch did not use, before it commits (its UPDATE still
    holds the counter's row lock, so nobody else has taken numbers after them)."""
    table: Table = CaseSequence.__table__  # type: ignore[assignment]
    for year, (unused, last) in cache.numbers.items():
        if unused <= last:
            session.connection().execute(
                update(table)
                .where(table.c.year == year, table.c.last_number == last)
                .values(last_number=unused - 1)
            )
    cache.numbers.clear()


def preload_contacts(session: Session, emails: Iterable[str], expected_new: int = 0) -> CaseCache:
    """Load these contacts in one query (per 500); ``contact_for`` then answers from the returned cache."""
    cache = CaseCache(expected_new)
    wanted = list({normalize_address(e) for e in emails})
    for start in range(0, len(wanted), 500):
        found = session.scalars(select(Contact).where(Contact.email.in_(wanted[start : start + 500])))
        cache.contacts.update({contact.email: contact for contact in found if contact.email})
    for address in wanted:
        cache.contacts.setdefault(address, None)
    return cache


def contact_for(session: Session, email: str, name: str, cache: CaseCache | None = None) -> Contact:
    """The contact for ``email``, created if new. Without a cache the caller's session must autoflush (or
    have flushed) so that a contact created earlier in the transaction is found."""
    address = normalize_address(email)
    contacts = cache.contacts if cache is not None else {}
    if address not in contacts:
        contacts[address] = session.scalar(select(Contact).where(Contact.email == address))
    contact = contacts[address]
    if contact is None:
        contact = contacts[address] = Contact(email=address, name=name)
        session.add(contact)
    elif name and not contact.name:
        contact.name = name
    return contact


def opened_since(session: Session, email: str, since: datetime) -> list[Case]:
    """The stored cases ``email`` opened since ``since``, newest first (a sender that opens many a day,
    such as an autoresponder that changes its subject, joins the newest open one instead)."""
    return list(
        session.scalars(
            select(Case)
            .join(Contact, Contact.id == Case.contact_id)
            .where(
                Contact.email == normalize_address(email),
                Case.received_at >= since,
                Case.merged_into_id.is_(None),
            )
            .order_by(Case.received_at.desc(), Case.id.desc())
        )
    )


def by_reference(session: Session, reference: str) -> Case:
    case = session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None:
        raise CaseNotFound(reference)
    return _follow_merges(session, case)


def candidates(
    session: Session, *, token_references: Sequence[str], thread_ids: Sequence[str], subject: str
) -> Candidates:
    """The cases a mail might belong to, found by our token, by its thread headers, and by a subject tag."""
    by_token = _facts_by_reference(session, token_references[0]) if token_references else None
    by_thread = None
    if thread_ids:
        case_id = session.scalar(
            select(CaseMessage.case_id)
            .where(CaseMessage.message_id.in_(list(thread_ids)[:50]))
            .order_by(CaseMessage.created_at.desc())
            .limit(1)
        )
        by_thread = _facts(session, session.get(Case, case_id)) if case_id else None
    tag = CASE_TAG.search(subject)
    by_tag = _facts_by_reference(session, tag.group(1).upper()) if tag else None
    mention = None if tag else mentioned_reference(subject)
    by_mention = _facts_by_reference(session, mention) if mention else None
    return Candidates(by_token=by_token, by_thread=by_thread, by_tag=by_tag, by_mention=by_mention)


def match_for(
    session: Session,
    *,
    sender: str,
    token_references: Sequence[str],
    thread_ids: Sequence[str],
    subject: str,
    reopen_window: timedelta,
) -> Match | None:
    """The case a mail threads into, if any (see ``cases.thread_match``).

    It sees what the session shows: the inbound pipeline asks before any mail of its batch is handled (a
    case opened in the same batch is a ``SiblingMatch``, resolved by the batch), other callers autoflush.
    """
    if not (token_references or thread_ids or BARE_REFERENCE.search(subject)):  # a tag holds one too
        return None
    found = candidates(session, token_references=token_references, thread_ids=thread_ids, subject=subject)
    return decide(found, sender, utcnow(), reopen_window)


def _facts_by_reference(session: Session, reference: str) -> CaseFacts | None:
    case = session.scalar(select(Case).where(Case.reference == reference))
    return _facts(session, case) if case else None


def _follow_merges(session: Session, case: Case) -> Case:
    seen = {case.id}
    while case.merged_into_id is not None and case.merged_into_id not in seen:
        target = session.get(Case, case.merged_into_id)
        if target is None:
            break
        seen.add(target.id)
        case = target
    return case


def _facts(session: Session, case: Case | None) -> CaseFacts | None:
    if case is None:
        return None
    case = _follow_merges(session, case)
    senders = session.scalars(
        select(CaseMessage.from_address).where(
            CaseMessage.case_id == case.id,
            CaseMessage.direction == Direction.IN,
            CaseMessage.from_address.is_not(None),
        )
    )
    participants = {address.lower() for address in [*senders, case.contact.email] if address}
    return CaseFacts(case.id, case.reference, case.closed_at, frozenset(participants))


def list_query(
    *,
    status: str | None = None,
    focus: str | None = None,
    actor_type: str | None = None,
    assignee: str | None = None,
    tag: str | None = None,
    open_only: bool = False,
    by_activity: bool = False,
) -> Select[Case]:
    """Cases that were not merged away, newest first (by receipt, or by last activity)."""
    newest = Case.updated_at if by_activity else Case.received_at
    query = select(Case).where(Case.merged_into_id.is_(None)).order_by(newest.desc(), Case.id.desc())
    if status:
        query = query.where(Case.status == status)
    if open_only:
        query = query.where(Case.status != CaseStatus.CLOSED)
    if focus:
        query = query.where(Case.focus_area == focus)
    if actor_type:
        query = query.where(Case.actor_type == actor_type)
    if assignee:
        query = query.where(Case.assignee == assignee)
    if tag:
        query = query.where(Case.id.in_(select(CaseTag.case_id).where(CaseTag.tag == tag)))
    return query


def count(session: Session, query: Select[Case]) -> int:
    """How many cases ``query`` finds (without its order or limits)."""
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def known_tags(session: Session) -> list[str]:
    return list(session.scalars(select(CaseTag.tag).distinct().order_by(CaseTag.tag)))


def known_assignees(session: Session) -> list[str]:
    found = select(Case.assignee).where(Case.assignee.is_not(None)).distinct().order_by(Case.assignee)
    return [name for name in session.scalars(found) if name]


def message_counts(session: Session, case_ids: Iterable[int]) -> dict[int, int]:
    ids = list(case_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(CaseMessage.case_id, func.count())
        .where(CaseMessage.case_id.in_(ids), CaseMessage.direction != Direction.NOTE)
        .group_by(CaseMessage.case_id)
    )
    return {case_id: count for case_id, count in rows}


def forget_attachment_file(session: Session, attachment: CaseAttachment, files: AttachmentStore) -> None:
    """Delete an attachment's stored file unless another attachment has the same bytes (content-addressed)."""
    if attachment.sha256 is None:
        return
    others = session.scalar(
        select(func.count()).where(
            CaseAttachment.sha256 == attachment.sha256, CaseAttachment.id != attachment.id
        )
    )
    if not others:
        files.path(attachment.sha256).unlink(missing_ok=True)
