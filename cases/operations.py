"""Staff operations on whole cases: find one by reference, merge two, and delete one a re-routed mail
opened. Each takes the caller's session and never commits."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from . import service, store
from .attachments import AttachmentStore
from .models import Case, CaseMessage, CaseStatus, CaseTag


class CaseError(KulturklusterError):
    """A case operation that cannot be done as asked."""

    kind = ErrorKind.CONFLICT


class MergeIntoItself(CaseError):
    """A case was to be merged into itself."""

    kind = ErrorKind.INVALID

    def __init__(self, reference: str) -> None:
        super().__init__(t("cases.merge_self", reference=reference))
        self.reference = reference


class CaseInUse(CaseError):
    """The case a mail opened holds more than that mail (a reply, a note, other mail): it stays."""

    kind = ErrorKind.CONFLICT

    def __init__(self, reference: str) -> None:
        super().__init__(t("inbound.reroute_case_in_use", reference=reference))
        self.reference = reference


def find(session: Session, reference: str) -> Case:
    """The case ``reference`` names, or the one it was merged into; raises ``store.CaseNotFound``."""
    return store.by_reference(session, reference)


def merge(session: Session, source: Case, target: Case) -> None:
    """Move every message and tag of ``source`` into ``target``; ``source`` is closed and points there."""
    if source.id == target.id:
        raise MergeIntoItself(source.reference)
    session.execute(update(CaseMessage).where(CaseMessage.case_id == source.id).values(case_id=target.id))
    have = set(session.scalars(select(CaseTag.tag).where(CaseTag.case_id == target.id)))
    for tag in [existing.tag for existing in source.tags if existing.tag not in have]:
        target.tags.append(CaseTag(tag=tag))
    source.merged_into_id = target.id
    service.set_status(source, CaseStatus.CLOSED)
    target.received_at = min(target.received_at, source.received_at)
    session.expire(target, ["messages"])


def undo_opened_by(session: Session, inbound_message_id: int, files: AttachmentStore) -> str | None:
    """Delete the case the stored mail ``inbound_message_id`` opened, with its attachments' files; returns
    the deleted case's reference, or None when the mail is in no case.

    Only a case that holds nothing but this mail is deleted; otherwise ``CaseInUse`` (staff handle that in
    the case itself). The raw mail stays where it is stored.
    """
    entry = session.scalar(select(CaseMessage).where(CaseMessage.inbound_message_id == inbound_message_id))
    if entry is None:
        return None
    case = entry.case
    others = session.scalar(
        select(func.count()).where(CaseMessage.case_id == case.id, CaseMessage.id != entry.id)
    )
    if others:
        raise CaseInUse(case.reference)
    reference = case.reference
    for attachment in list(entry.attachments):
        store.forget_attachment_file(session, attachment, files)
        session.delete(attachment)
    session.delete(entry)
    session.flush()
    session.expire(case, ["messages"])
    session.delete(case)
    session.flush()
    return reference
