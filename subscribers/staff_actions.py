"""What staff do to the list by hand, from the CLI or the web app: add and remove addresses on stated
evidence, import and export CSV, search, and undo what a mail did when staff re-route it. Each takes the
caller's session and never commits.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kulturkluster.db import fold
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from . import service
from .address import normalize_address
from .csv_io import EXPORT_COLUMNS, CsvRow, RejectedRow, csv_lines, read_subscriber_csv
from .models import SEARCH_TEXT, Channel, ConsentEvent, Status, Subscriber
from .service import Evidence, ImportResult, UnsubscribeOutcome

IMPORTABLE = (Status.ACTIVE, Status.PENDING, Status.UNSUBSCRIBED)
MAX_EVIDENCE = 2000


class StatusNotImportable(KulturklusterError):
    """An import was asked to give a status an import cannot give."""

    kind = ErrorKind.INVALID


class AlreadyOnList(KulturklusterError):
    """An address added by hand is already on the list, whatever its status: staff never resubscribe
    someone who left; only the person's own new request (subscribe by mail) can."""

    kind = ErrorKind.CONFLICT

    def __init__(self, subscriber: Subscriber) -> None:
        super().__init__(t("subscribers.already_on_list", email=subscriber.email))
        self.subscriber_id = subscriber.id
        self.email = subscriber.email
        self.status = subscriber.status


class EvidenceRequired(KulturklusterError):
    """A change by hand without saying how the person asked for it."""

    kind = ErrorKind.INVALID


def staff_evidence(detail: str, actor: str, channel: Channel = Channel.STAFF) -> Evidence:
    """Evidence for a change made by a member of staff; the text is required (GDPR art. 7(1))."""
    text = " ".join(detail.split())
    if not text:
        raise EvidenceRequired(t("subscribers.evidence_required"))
    return Evidence(
        channel=channel,
        detail=text[:MAX_EVIDENCE],
        actor=actor.strip()[:120] or t("subscribers.unknown_actor"),
    )


def add_by_hand(session: Session, email: str, name: str, evidence: Evidence) -> Subscriber:
    """Add a new address as active. An address already on the list (also one that left) is refused, also
    when it differs only in the case of its local part (practically always the same mailbox)."""
    address = normalize_address(email)
    existing = service.get(session, address) or session.scalar(
        select(Subscriber).where(func.lower(Subscriber.email) == address.lower()).limit(1)
    )
    if existing is not None:
        raise AlreadyOnList(existing)
    subscriber = service.add(session, email, " ".join(name.split())[:200], Status.ACTIVE, evidence)
    session.flush()
    return subscriber


def unsubscribe_by_hand(session: Session, email: str, evidence: Evidence) -> UnsubscribeOutcome:
    return service.unsubscribe(session, email, evidence)


def reenable_bounced(session: Session, email: str, evidence: Evidence) -> bool:
    """Give a disabled (``bounced``) address the newsletter again, its bounce score back at 0.

    One click in the app: the mailbox works again (staff heard from the person, or the reports were wrong).
    Only ``bounced`` is re-enabled; whoever left or complained must ask again themselves.
    """
    subscriber = service.get(session, email, lock=True)
    if subscriber is None or subscriber.status != Status.BOUNCED:
        return False
    service.change_status(session, subscriber, Status.ACTIVE, "reenabled", evidence, subscriber.status)
    return True


# -- CSV ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvImport:
    """What an import did (or, as a preview, would do)."""

    rows: tuple[CsvRow, ...]  # the usable rows of the file
    result: ImportResult
    rejected: tuple[RejectedRow, ...]  # rows of the file that are not usable, with line numbers


def import_evidence(filename: str, actor: str, source: str = "") -> Evidence:
    """Evidence for imported addresses: where the list came from (``source``) and the file's name."""
    source = " ".join(source.split())
    detail = f"{source} ({filename})" if source else f"import of {filename}"
    return Evidence(channel=Channel.IMPORT, detail=detail[:MAX_EVIDENCE], actor=actor[:120])


def check_importable(status: Status) -> None:
    if status not in IMPORTABLE:
        raise StatusNotImportable(t("csv.status_not_allowed", status=status.value))


def import_csv(
    session: Session, data: bytes, status: Status, evidence: Evidence, *, dry_run: bool = False
) -> CsvImport:
    """Read a CSV file and add its new addresses with ``status``; never reactivates one that left or
    bounced. With ``dry_run`` nothing is written: the result is the preview."""
    check_importable(status)
    content = read_subscriber_csv(data)
    rows = [(r.line, r.email, r.name) for r in content.rows]
    result = service.import_rows(session, rows, status, evidence, dry_run=dry_run)
    return CsvImport(content.rows, result, content.rejected)


def export_lines(session: Session, status: Status | None = None) -> Iterator[str]:
    """The list as CSV lines (EXPORT_COLUMNS), streamed; a name is never a spreadsheet formula (csv_lines)."""
    return csv_lines(EXPORT_COLUMNS, service.export_rows(session, status))


# -- search ------------------------------------------------------------------------------------------------


COUNT_LIMIT = 20_000  # a search counts (and sorts) its matches up to here; beyond, "more than" is enough


@dataclass(frozen=True, slots=True)
class SubscriberPage:
    rows: tuple[Subscriber, ...]
    total: int  # with ``more``, at least this many
    page: int
    per_page: int
    more: bool = False  # more than ``total`` (COUNT_LIMIT) match; not counted to the end

    @property
    def pages(self) -> int:
        counted = max(1, -(-self.total // self.per_page))
        if self.more and len(self.rows) == self.per_page:
            return max(counted, self.page + 1)
        return counted


def search(
    session: Session,
    text: str = "",
    status: Status | None = None,
    page: int = 1,
    per_page: int = 50,
    *,
    by_status: Mapping[str, int] | None = None,
) -> SubscriberPage:
    """Subscribers whose address or name contains ``text`` (any case), ordered by address; when more than
    COUNT_LIMIT match, the newest first.

    ``by_status`` (``service.count_by_status``, when the caller has it) gives the total of an unfiltered or
    status-only list without counting again; a text search counts up to COUNT_LIMIT matches.
    """
    query = select(Subscriber)
    needle = fold(text.strip())
    if needle:
        query = query.where(SEARCH_TEXT.contains(needle, autoescape=True))
    if status is not None:
        query = query.where(Subscriber.status == status)
    page, order_by = max(1, page), Subscriber.email
    if not needle and by_status is not None:
        total = by_status.get(status, 0) if status is not None else sum(by_status.values())
        more = False
    else:
        capped = query.with_only_columns(Subscriber.id).limit(COUNT_LIMIT + 1).subquery()
        found = session.scalar(select(func.count()).select_from(capped)) or 0
        total, more = min(found, COUNT_LIMIT), found > COUNT_LIMIT
        if needle and not more:
            # Few matches: sort them, rather than walk the whole address index in order looking for them
            # (which PostgreSQL does for LIMIT 50 when the matches sit late in the alphabet).
            order_by = Subscriber.email.concat("")  # type: ignore[assignment]
        elif needle:
            # Very many: the newest first, found by walking the ids backwards (matches are spread over the
            # ids, while in address order they may all sit at the end); staff narrow the search instead.
            order_by = Subscriber.id.desc()  # type: ignore[assignment]
    rows = session.scalars(query.order_by(order_by).offset((page - 1) * per_page).limit(per_page))
    return SubscriberPage(tuple(rows), total, page, per_page, more=more)


# -- re-routing --------------------------------------------------------------------------------------------

_UNDO_SUBSCRIBED = frozenset({"subscribed", "confirmation_requested", "confirmed"})


class UndoResult(StrEnum):
    UNSUBSCRIBED = "unsubscribed"  # it had joined (or asked to): it is off the list again
    RESTORED = "restored"  # it had left: its earlier status is back
    CHANGED_SINCE = "changed_since"  # something changed the address later: left alone


@dataclass(frozen=True, slots=True)
class Undone:
    """One list change a message had made, and what became of it when staff re-routed the message."""

    email: str
    result: UndoResult
    status: str | None = None  # the status given back, for RESTORED


def undo_change_by(session: Session, message_id: str, *, actor: str, reason: str) -> list[Undone]:
    """Revert the list changes the message ``message_id`` made (not those staff made about it), each only
    while it is still the address's latest change; the consent log names ``actor`` with ``reason``."""
    evidence = Evidence(Channel.STAFF, message_id, reason, actor=actor)
    done: list[Undone] = []
    caused = session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.evidence_message_id == message_id, ConsentEvent.channel != Channel.STAFF)
        .order_by(ConsentEvent.id)
    )
    for event in list(caused):
        if event.action not in _UNDO_SUBSCRIBED and event.action != "unsubscribed":
            continue  # bounce scores and complaints stay
        subscriber = session.get_one(Subscriber, event.subscriber_id)
        latest = session.scalar(
            select(func.max(ConsentEvent.id)).where(ConsentEvent.subscriber_id == subscriber.id)
        )
        if latest != event.id:
            done.append(Undone(subscriber.email, UndoResult.CHANGED_SINCE))
        elif event.action in _UNDO_SUBSCRIBED:
            service.unsubscribe(session, subscriber.email, evidence)
            done.append(Undone(subscriber.email, UndoResult.UNSUBSCRIBED))
        elif event.old_status in {Status.ACTIVE, Status.PENDING}:
            confirm_first = event.old_status == Status.PENDING
            service.subscribe(
                session, subscriber.email, subscriber.name, evidence, confirm_first=confirm_first
            )
            done.append(Undone(subscriber.email, UndoResult.RESTORED, event.old_status))
    return done
