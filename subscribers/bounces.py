"""Returned mail and the list: spam complaints stop the mail at once, failed deliveries are scored.

Scoring is Mailman's, as a pure function over plain values (``score``): a permanent failure adds 1; a
temporary one adds 0.5, at most once a day; after a quiet week the score starts again from 0; at the
threshold (default 3) the subscriber gets no more newsletters. ``apply_report`` is the use case the
inbound bounce handler calls with the addresses it found in a returned mail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kulturkluster.db import utcnow

from . import service
from .models import Status
from .service import Evidence, SubscriberCache

QUIET_PERIOD = timedelta(days=7)
TEMPORARY_EVERY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class BounceState:
    score: float = 0.0
    last_bounce_at: datetime | None = None
    last_temporary_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Scored:
    state: BounceState
    added: float
    disable: bool
    note: str


def score(state: BounceState, *, permanent: bool, now: datetime, threshold: float = 3.0) -> Scored:
    current = state.score
    note = ""
    if state.last_bounce_at is not None and now - state.last_bounce_at > QUIET_PERIOD:
        current, note = 0.0, "quiet for a week: score reset; "
    last_temporary = state.last_temporary_at
    if permanent:
        added = 1.0
    elif last_temporary is not None and now - last_temporary < TEMPORARY_EVERY:
        added = 0.0
        note += "temporary failure already counted today; "
    else:
        added, last_temporary = 0.5, now
    new = BounceState(current + added, now, last_temporary)
    kind = "permanent" if permanent else "temporary"
    return Scored(new, added, new.score >= threshold, f"{note}{kind} failure +{added:g} = {new.score:g}")


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    """The addresses a returned mail concerns, as the inbound side found them.

    ``named`` are addresses we know for sure (our own signed tokens in the returned message);
    ``named_ids`` are subscriber ids from VERP return paths. A complaint report (ARF) unsubscribes its
    ``complaint_addresses`` and scores nothing.
    """

    complaint: bool = False
    complaint_addresses: tuple[str, ...] = ()
    permanent: frozenset[str] = frozenset()
    temporary: frozenset[str] = frozenset()
    named: frozenset[str] = frozenset()
    named_ids: tuple[int, ...] = ()


def apply_report(
    session: Session,
    report: DeliveryReport,
    evidence: Evidence,
    *,
    threshold: float,
    cache: SubscriberCache | None = None,
) -> None:
    """Complaints unsubscribe at once; failures are scored against the address they concern.

    A token or return path names the address for sure; a failure of unknown kind counts as permanent.
    Addresses not on the list change nothing.
    """
    if report.complaint:
        for address in report.complaint_addresses:
            complain(session, address, evidence, cache=cache)
        return
    named = set(report.named) | set(service.emails_by_id(session, report.named_ids).values())
    permanent, temporary = set(report.permanent), set(report.temporary) - report.permanent
    (temporary if temporary and not permanent else permanent).update(named)
    for addresses, kind in ((permanent, True), (temporary, False)):
        for address in sorted(addresses):
            record_bounce(
                session, address, permanent=kind, evidence=evidence, threshold=threshold, cache=cache
            )


def record_bounce(
    session: Session,
    email: str,
    *,
    permanent: bool,
    evidence: Evidence,
    threshold: float = 3.0,
    cache: SubscriberCache | None = None,
) -> str | None:
    """Score a failed delivery to ``email``; returns the new status when the address is disabled.

    An address that is not on the list (or no longer gets mail) changes nothing.
    """
    subscriber = service.get(session, email, cache=cache)
    if subscriber is None or subscriber.status not in {Status.ACTIVE, Status.PENDING}:
        return None
    state = BounceState(
        subscriber.bounce_score or 0.0, subscriber.last_bounce_at, subscriber.last_temporary_bounce_at
    )
    result = score(state, permanent=permanent, now=utcnow(), threshold=threshold)
    subscriber.bounce_score = result.state.score
    subscriber.last_bounce_at = result.state.last_bounce_at
    subscriber.last_temporary_bounce_at = result.state.last_temporary_at
    noted = replace(evidence, detail=f"{result.note}. {evidence.detail or ''}"[:2000])
    if result.disable:
        service.change_status(session, subscriber, Status.BOUNCED, "bounced", noted, subscriber.status)
        return Status.BOUNCED
    service.append_event(session, subscriber, "bounce_scored", subscriber.status, subscriber.status, noted)
    return None


def complain(
    session: Session, email: str, evidence: Evidence, *, cache: SubscriberCache | None = None
) -> bool:
    """A spam complaint (ARF): the address gets nothing more from the list, at once."""
    subscriber = service.get(session, email, cache=cache)
    if subscriber is None or subscriber.status == Status.COMPLAINED:
        return False
    service.change_status(session, subscriber, Status.COMPLAINED, "complained", evidence, subscriber.status)
    return True
