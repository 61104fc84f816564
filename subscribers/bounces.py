"""Returned mail and the list: spam complaints stop the mail at once, failed deliveries are scored.

Scoring is Mailman's, as a pure function over plain values (``score``): a permanent failure adds 1; a
temporary one adds 0.5, at most once a day; after a quiet week the score starts again from 0; at the
threshold (default 3) the subscriber gets no more newsletters. ``apply_report`` is the use case the
inbound bounce handler calls with the addresses it found in a returned mail.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturkluster.db import utcnow

from . import service
from .models import ConsentEvent, Status, Subscriber
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

    Only addresses tied to a message we sent count (Mailman scores only bounces to its own bounce
    address; listmonk acts only on its own headers): ``named`` are addresses our own signed tokens in the
    returned message name, ``named_ids`` subscriber ids from VERP return paths, ``sent_to`` the recipients
    of our Message-IDs quoted in the returned part. What the report merely claims (``complaint_addresses``,
    ``permanent``, ``temporary``) says what kind of failure it was, never whom it concerns.
    """

    complaint: bool = False
    complaint_addresses: tuple[str, ...] = ()
    permanent: frozenset[str] = frozenset()
    temporary: frozenset[str] = frozenset()
    named: frozenset[str] = frozenset()
    named_ids: tuple[int, ...] = ()
    sent_to: frozenset[str] = frozenset()


def apply_report(
    session: Session,
    report: DeliveryReport,
    evidence: Evidence,
    *,
    threshold: float,
    cache: SubscriberCache | None = None,
) -> str:
    """Complaints unsubscribe, failures are scored: only the recipients of mail we sent.

    Returns what was done, or why nothing was, for the stored mail's reason. A failure of unknown kind
    counts as permanent. Addresses not on the list change nothing.
    """
    tied = set(report.named) | set(report.sent_to)
    tied |= set(service.emails_by_id(session, report.named_ids).values())
    claimed = sorted(set(report.complaint_addresses) | report.permanent | report.temporary)
    if not tied:
        named = ", ".join(claimed[:5]) or "nobody"
        return (
            f"not tied to mail we sent (no token, VERP return path or Message-ID of ours): nothing changed"
            f" (the report names {named})"
        )
    if report.complaint:
        changed = [a for a in sorted(tied) if complain(session, a, evidence, cache=cache)]
        return f"complaint about mail we sent: complained {', '.join(changed) or 'nobody new'}"
    any_permanent = bool(report.permanent) or not report.temporary
    for address in sorted(tied):
        if address in report.permanent or address in report.temporary:
            permanent = address in report.permanent
        else:
            permanent = any_permanent
        record_bounce(
            session, address, permanent=permanent, evidence=evidence, threshold=threshold, cache=cache
        )
    return f"about mail we sent: scored {', '.join(sorted(tied))}"


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
        earlier = _earlier_reports(session, subscriber)
        if earlier:
            noted = replace(noted, detail=f"{noted.detail} Earlier reports: {', '.join(earlier)}"[:2000])
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


def _earlier_reports(session: Session, subscriber: Subscriber) -> list[str]:
    """The Message-IDs of the reports scored before this one, so the consent log shows what disabled it."""
    if subscriber.id is None:
        return []
    rows = session.scalars(
        select(ConsentEvent.evidence_message_id)
        .where(ConsentEvent.subscriber_id == subscriber.id, ConsentEvent.action == "bounce_scored")
        .order_by(ConsentEvent.id.desc())
        .limit(10)
    )
    return [f"<{mid}>" for mid in rows if mid]
