"""Replies staff sent from their own mail program: recognised, and recorded in the case as theirs.

A mail from an active staff account's address (case-insensitive), or from the shared mailbox itself (sent
as it from Outlook, with a copy in the inbox), that threads into a case (our token, In-Reply-To/References,
or the case tag or reference in the subject: staff may use any of them) and goes to someone taking part
in the case (To or Cc) is that person's reply: ``direction: out`` with the staff member (or the name the
shared mailbox sent under) as author, no receipt, no new case, first response time set.

Staff mail that answers no requester (a forward to the shared mailbox, a note between colleagues, a reply
to a notification) is not a question from an actor: it is filed as automatic mail (rule ``staff_mail``),
kept on the Inkommande page where staff can re-route it, with no case and no receipt (a subscribe or
unsubscribe subject, and automatic mail such as an out-of-office, go their usual way). Mail from the shared
mailbox that answers no requester falls to the older ``from_ourselves`` rule, with the same effect.

The Sent folder reader (``inbound.sent_folder``) uses the same decision and recording.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases import service as case_service
from cases import store as case_store
from cases.attachments import AttachmentStore
from cases.models import Case, CaseMessage
from cases.reference import BARE_REFERENCE
from cases.thread_match import Candidates, CaseFacts
from kulturkluster.accounts import StaffUser
from kulturkluster.db import utcnow

from .message import ParsedMail


@dataclass(frozen=True, slots=True)
class StaffMail:
    """A mail staff wrote: who (a staff username, or the name the shared mailbox sent under), and the case
    whose requester it answers (None: it answers none)."""

    author: str
    case_id: int | None
    reference: str | None
    reason: str


def first_case(candidates: Candidates) -> CaseFacts | None:
    """The case staff mail threads into. Staff take part in every case, so a tag or a bare reference
    counts as much as the thread headers (from anyone else it needs a participant: ``cases.thread_match``)."""
    return candidates.by_token or candidates.by_thread or candidates.by_tag or candidates.by_mention


def answers_requester(facts: CaseFacts, recipients: Iterable[str], ours: Iterable[str]) -> bool:
    """Whether To/Cc name someone taking part in the case other than us (the requester, a colleague of
    theirs who wrote in): ``ours`` are the shared mailbox's and the staff's own addresses."""
    wanted = facts.participants - {address.lower() for address in ours}
    return any(address.lower() in wanted for address in recipients)


def detect(
    session: Session,
    mail: ParsedMail,
    *,
    case_references: tuple[str, ...],
    own_addresses: frozenset[str],
) -> StaffMail | None:
    """The facts for the classifier when the mail is from staff or the shared mailbox, else None."""
    sender = (mail.from_address or "").lower()
    if not sender:
        return None
    from_shared_mailbox = sender in own_addresses
    author = (mail.from_name or sender) if from_shared_mailbox else staff_username(session, sender)
    if author is None:
        return None
    facts = thread_case(session, mail, case_references)
    if facts is not None and answers_requester(facts, [*mail.to, *mail.cc], {*own_addresses, sender}):
        if not already_in_a_case(session, mail.message_id):
            how = "the shared mailbox" if from_shared_mailbox else f"staff account {sender}"
            return StaffMail(
                author,
                facts.case_id,
                facts.reference,
                f"reply from {how} to the requester in {facts.reference}",
            )
        return StaffMail(author, None, facts.reference, f"already recorded in {facts.reference}")
    if from_shared_mailbox:
        return None  # the from_ourselves rule files it
    return StaffMail(author, None, None, f"mail from staff account {sender} that answers no requester")


_DIRECTORY = "kk_staff_addresses"  # key in ``Session.info``: the staff directory of this transaction


def staff_username(session: Session, address: str) -> str | None:
    """The username of the active staff account with this address, or None (authors of replies are
    usernames, as the app stores them; the pages show display names).

    The few staff accounts are loaded once per transaction (a batch of inbound mail asks for every mail)
    and kept in the session's ``info``, which ends with it.
    """
    directory: dict[str, str] | None = session.info.get(_DIRECTORY)
    if directory is None:
        rows = session.execute(
            select(StaffUser.email, StaffUser.username).where(
                StaffUser.active.is_(True), StaffUser.email != ""
            )
        )
        directory = {email.lower(): username for email, username in rows}
        session.info[_DIRECTORY] = directory
    return directory.get(address.lower())


def thread_case(session: Session, mail: ParsedMail, case_references: tuple[str, ...]) -> CaseFacts | None:
    if not (case_references or mail.thread_ids or BARE_REFERENCE.search(mail.subject)):
        return None
    found = case_store.candidates(
        session, token_references=case_references, thread_ids=mail.thread_ids, subject=mail.subject
    )
    return first_case(found)


def already_in_a_case(session: Session, message_id: str | None) -> bool:
    """Whether a case's thread holds this Message-ID (our own reply, or one recorded before)."""
    if not message_id:
        return False
    found = session.scalar(select(CaseMessage.id).where(CaseMessage.message_id == message_id).limit(1))
    return found is not None


def record(
    session: Session,
    staff: StaffMail,
    mail: ParsedMail,
    files: AttachmentStore,
    *,
    inbound_row_id: int | None = None,
) -> Case:
    """Add the reply to its case (``staff.case_id`` must be set) and return the case."""
    if staff.case_id is None:
        raise ValueError("staff mail that answers no case is not recorded")
    case = session.get_one(Case, staff.case_id)
    reply = case_service.OutsideReply(
        author=staff.author,
        message_id=mail.message_id,
        from_address=mail.from_address,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        sent_at=mail.date or utcnow(),
        attachments=[(a.filename, a.content_type, a.data) for a in mail.attachments],
        inbound_row_id=inbound_row_id,
    )
    case_service.record_outside_reply(session, case, reply, files)
    return case
