"""List operations: subscribe, confirm, unsubscribe. Each takes the caller's session and never commits.

Every change of status appends a ConsentEvent with its evidence, so the organisation can always show why
an address gets mail (GDPR art. 7(1)).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ARRAY, String, any_, bindparam, func, select
from sqlalchemy.orm import Session

from kulturkluster.db import utcnow
from kulturkluster.texts import t

from . import bulk
from .address import normalize_address
from .models import Channel, ConsentEvent, Status, Subscriber


@dataclass(frozen=True, slots=True)
class Evidence:
    """How a request reached us: enough to show later that the address's owner asked."""

    channel: Channel
    message_id: str | None = None
    detail: str | None = None
    policy: str | None = None
    actor: str = "system"


class SubscribeOutcome(StrEnum):
    ACTIVATED = "activated"
    CONFIRMATION_NEEDED = "confirmation_needed"
    ALREADY_ACTIVE = "already_active"


class ConfirmOutcome(StrEnum):
    ACTIVATED = "activated"
    ALREADY_ACTIVE = "already_active"
    NOT_PENDING = "not_pending"


class UnsubscribeOutcome(StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    CONFIRMATION_NEEDED = "confirmation_needed"  # asked by mail without proof: a reply confirms
    NOT_SUBSCRIBED = "not_subscribed"


class SubscriberCache:
    """Subscribers by address for one batch of work, so that a batch asks the database once, not per mail.

    Whoever creates it passes it to the functions here (``cache=``) and drops it when the transaction ends.
    Everything this module creates or locks goes into the same map, so ``get`` stays right without flushing.
    """

    def __init__(self, *, locked: bool = False) -> None:
        self.by_email: dict[str, Subscriber | None] = {}
        # Loaded FOR UPDATE: every address in the map is locked (or absent) for the whole transaction, so
        # ``get(lock=True)`` answers from the map instead of flushing and asking again.
        self.locked = locked


def preload(session: Session, emails: Iterable[str], *, lock: bool = False) -> SubscriberCache:
    """Load these subscribers in one query (per 500); ``get`` then answers from the returned cache.

    For batches: the inbound pipeline handles hundreds of list commands per transaction. With ``lock``
    the rows are locked at once (in address order, so two workers cannot deadlock on them); an address
    that another worker adds meanwhile makes this batch's insert fail, and the pipeline runs it again.
    """
    cache = SubscriberCache(locked=lock)
    wanted = sorted({normalize_address(e) for e in emails})
    for start in range(0, len(wanted), 500):
        query = select(Subscriber).where(Subscriber.email.in_(wanted[start : start + 500]))
        if lock:
            query = query.order_by(Subscriber.email).with_for_update()
        cache.by_email.update({s.email: s for s in session.scalars(query)})
    for address in wanted:
        cache.by_email.setdefault(address, None)
    return cache


def get(
    session: Session, email: str, *, lock: bool = False, cache: SubscriberCache | None = None
) -> Subscriber | None:
    """The subscriber, or None. ``lock`` before deciding on a change from the current status: on PostgreSQL
    a second request for the same address (a double click, two workers) waits and then sees the change."""
    address = normalize_address(email)
    if cache is not None and cache.locked and address in cache.by_email:
        return cache.by_email[address]  # locked since the batch began; changes since are in the object
    query = select(Subscriber).where(Subscriber.email == address)
    if lock:
        session.flush()  # changes made in this transaction first (the pipeline runs without autoflush)
        query = query.with_for_update().execution_options(populate_existing=True)
    if cache is None:
        return session.scalar(query)
    if lock or address not in cache.by_email:
        cache.by_email[address] = session.scalar(query)
    return cache.by_email[address]


def _new(
    session: Session, address: str, name: str, status: Status, cache: SubscriberCache | None = None
) -> Subscriber:
    subscriber = Subscriber(email=address, name=name, status=status, created_at=utcnow(), updated_at=utcnow())
    session.add(subscriber)
    if cache is not None:
        cache.by_email[address] = subscriber
    return subscriber


def subscribe(
    session: Session,
    email: str,
    name: str,
    evidence: Evidence,
    *,
    confirm_first: bool,
    cache: SubscriberCache | None = None,
) -> SubscribeOutcome:
    """The address's owner asked to join. Re-joining after leaving is allowed: the request is new consent."""
    address = normalize_address(email)
    subscriber = get(session, address, lock=True, cache=cache)
    if subscriber is None:
        subscriber = _new(session, address, name, Status.PENDING, cache)
        old_status = None
    else:
        old_status = subscriber.status
        if name and not subscriber.name:
            subscriber.name = name
    if old_status == Status.ACTIVE:
        append_event(session, subscriber, "subscribe_repeated", Status.ACTIVE, Status.ACTIVE, evidence)
        return SubscribeOutcome.ALREADY_ACTIVE
    if confirm_first:
        change_status(session, subscriber, Status.PENDING, "confirmation_requested", evidence, old_status)
        return SubscribeOutcome.CONFIRMATION_NEEDED
    change_status(session, subscriber, Status.ACTIVE, "subscribed", evidence, old_status)
    return SubscribeOutcome.ACTIVATED


def confirm(
    session: Session, email: str, evidence: Evidence, *, cache: SubscriberCache | None = None
) -> ConfirmOutcome:
    """A valid confirmation token for ``email`` came back.

    Only a pending address is activated: a token cannot undo an unsubscribe that came after the request.
    """
    subscriber = get(session, email, lock=True, cache=cache)
    if subscriber is None:
        return ConfirmOutcome.NOT_PENDING
    if subscriber.status == Status.ACTIVE:
        return ConfirmOutcome.ALREADY_ACTIVE
    if subscriber.status != Status.PENDING:
        return ConfirmOutcome.NOT_PENDING
    change_status(session, subscriber, Status.ACTIVE, "confirmed", evidence, subscriber.status)
    return ConfirmOutcome.ACTIVATED


def unsubscribe(
    session: Session, email: str, evidence: Evidence, *, cache: SubscriberCache | None = None
) -> UnsubscribeOutcome:
    subscriber = get(session, email, lock=True, cache=cache)
    if subscriber is None or subscriber.status not in {Status.ACTIVE, Status.PENDING}:
        return UnsubscribeOutcome.NOT_SUBSCRIBED
    change_status(session, subscriber, Status.UNSUBSCRIBED, "unsubscribed", evidence, subscriber.status)
    return UnsubscribeOutcome.UNSUBSCRIBED


def add(session: Session, email: str, name: str, status: Status, evidence: Evidence) -> Subscriber:
    """Add a new address with a given status (staff or import). The caller checks it is new."""
    subscriber = _new(session, normalize_address(email), name, status)
    change_status(session, subscriber, status, "added", evidence, None)
    return subscriber


def iter_subscribers(session: Session, status: Status | None = None) -> Iterator[Subscriber]:
    """All subscribers ordered by address, streamed in chunks (the list can be large)."""
    query = select(Subscriber).order_by(Subscriber.email).execution_options(yield_per=1000)
    if status is not None:
        query = query.where(Subscriber.status == status)
    yield from session.scalars(query)


EXPORTED = (  # csv_io.EXPORT_COLUMNS, in its order
    Subscriber.email,
    Subscriber.name,
    Subscriber.status,
    Subscriber.subscribed_at,
    Subscriber.created_at,
)


def export_rows(session: Session, status: Status | None = None) -> Iterator[tuple[object, ...]]:
    """(email, name, status, subscribed_at, created_at) of every subscriber ordered by address, as plain
    tuples streamed from the database, never the whole list at once (``csv_export`` has the fast path)."""
    query = select(*EXPORTED).order_by(Subscriber.email).execution_options(yield_per=2000)
    if status is not None:
        query = query.where(Subscriber.status == status)
    for row in session.execute(query):
        yield tuple(row)


def count_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Subscriber.status, func.count()).group_by(Subscriber.status))
    return {status: count for status, count in rows}


def change_status(
    session: Session,
    subscriber: Subscriber,
    status: Status,
    action: str,
    evidence: Evidence,
    old_status: str | None,
) -> None:
    subscriber.status = status
    subscriber.updated_at = utcnow()
    if old_status == Status.BOUNCED and status in {Status.ACTIVE, Status.PENDING}:
        # Re-enabled (by staff, or the person asked again): the old failures are forgiven.
        subscriber.bounce_score, subscriber.last_bounce_at, subscriber.last_temporary_bounce_at = (
            0.0,
            None,
            None,
        )
    if status == Status.ACTIVE:
        subscriber.subscribed_at = subscriber.updated_at
    append_event(session, subscriber, action, old_status, status, evidence)


def append_event(
    session: Session,
    subscriber: Subscriber,
    action: str,
    old_status: str | None,
    new_status: str,
    evidence: Evidence,
) -> None:
    event = ConsentEvent(
        at=utcnow(),
        action=action,
        old_status=old_status,
        new_status=new_status,
        channel=evidence.channel,
        policy=evidence.policy,
        evidence_message_id=evidence.message_id,
        evidence=evidence.detail,
        actor=evidence.actor,
    )
    if subscriber.id is None:
        event.subscriber = subscriber  # inserted together at the next flush
    else:
        event.subscriber_id = subscriber.id  # no lazy load of the whole history
    session.add(event)


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: tuple[str, ...]
    unchanged: tuple[str, ...]
    skipped: tuple[tuple[int, str, str], ...]  # (line, email, reason)


def import_rows(
    session: Session,
    rows: list[tuple[int, str, str]],
    status: Status,
    evidence: Evidence,
    *,
    dry_run: bool = False,
) -> ImportResult:
    """Add new addresses from an import with ``status``; never reactivate one that left or bounced.

    ``rows`` are (line, email, name). With ``dry_run`` nothing is written: the result is a preview.
    The new addresses and their consent events are inserted in bulk (``_insert_added``), as ``add`` would.
    """
    existing = _existing_statuses(session, [email for _line, email, _name in rows])
    added: list[str] = []
    unchanged: list[str] = []
    skipped: list[tuple[int, str, str]] = []
    new: list[tuple[str, str]] = []
    for line, email, name in rows:
        current = existing.get(email.lower())
        if current is None:
            new.append((email, name))
            added.append(email)
        elif current == Status.UNSUBSCRIBED:
            skipped.append((line, email, t("import.kept_unsubscribed")))
        elif current in {Status.BOUNCED, Status.COMPLAINED}:
            skipped.append((line, email, t("import.kept_bounced")))
        else:
            unchanged.append(email)
    if not dry_run and new:
        _insert_added(session, new, status, evidence)
    return ImportResult(tuple(added), tuple(unchanged), tuple(skipped))


_BATCH = 5000  # addresses per query when comparing an import with the list


def _insert_added(session: Session, new: list[tuple[str, str]], status: Status, evidence: Evidence) -> None:
    """What ``add`` does for each (email, name), in bulk (``bulk.insert_added``)."""
    event: dict[str, str | None] = {
        "action": "added",
        "old_status": None,
        "new_status": status.value,
        "channel": evidence.channel.value,
        "policy": evidence.policy,
        "evidence_message_id": evidence.message_id,
        "evidence": evidence.detail,
        "actor": evidence.actor,
    }
    people = [(normalize_address(email), name) for email, name in new]
    bulk.insert_added(session, people, status.value, event, utcnow())


# When two stored addresses differ only in case, the one that must not be mailed decides
_PROTECTIVE = {Status.UNSUBSCRIBED: 3, Status.COMPLAINED: 3, Status.BOUNCED: 3, Status.PENDING: 1}


def _existing_statuses(session: Session, emails: list[str]) -> dict[str, str]:
    """Status by lower-cased address: ``Anna@x.se`` is practically always ``anna@x.se``'s mailbox, so an
    import must not put someone who left back on the list under another spelling (index on lower(email))."""
    found: dict[str, str] = {}
    lowered = sorted({email.lower() for email in emails})
    for start in range(0, len(lowered), _BATCH):
        chunk = lowered[start : start + _BATCH]
        lowered_email = func.lower(Subscriber.email)
        if session.get_bind().dialect.name == "postgresql":  # one array parameter, not thousands
            wanted = lowered_email == any_(bindparam("emails", chunk, type_=ARRAY(String)))
        else:
            wanted = lowered_email.in_(chunk)
        rows = session.execute(select(lowered_email, Subscriber.status).where(wanted))
        for key, status in rows:
            if _PROTECTIVE.get(Status(status), 0) >= _PROTECTIVE.get(Status(found.get(key, status)), 0):
                found[key] = status
    return found


def emails_by_id(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Subscriber.id, Subscriber.email).where(Subscriber.id.in_(wanted)))
    return {subscriber_id: email for subscriber_id, email in rows}
