"""Re-routing a stored message by hand: undo what its route did, then handle it as the route staff chose.

What is undone (only what this very message caused, and only while nothing came after it):
- a case it opened is deleted, if the case holds nothing else (no reply, note or other mail); a case with
  more in it is refused: staff handle that in the case itself. The raw message stays in inbound_messages.
- a list change it caused (subscribed, asked for confirmation, confirmed, unsubscribed) is reverted with a
  consent event of channel ``staff`` that names the staff member, if it is still the address's latest
  change. Bounce scores and answers already sent are not undone.

Then the new route's handler runs with the staff member's reason as the decision's reason (so a new
subscription's consent event says who re-routed it). Answers that belong to the list's consent process
(confirmation, welcome, goodbye) are sent; a case receipt is not: it would arrive long after the mail, and
a member of staff is looking at the case right now and answers it in person.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases import store as case_store
from cases.attachments import AttachmentStore
from cases.models import CaseMessage
from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t
from subscribers import service as subscribers_service
from subscribers.models import Channel, ConsentEvent, Status, Subscriber
from subscribers.service import Evidence

from .classify import Route
from .message import ParsedMail
from .models import InboundMessage

# Where staff may send a message by hand. Not confirm (needs our token in the mail), not bounce (needs a
# delivery report), not case_reply (new_case threads into a known case by itself).
TARGETS: tuple[Route, ...] = (
    Route.NEW_CASE,
    Route.SUBSCRIBE,
    Route.UNSUBSCRIBE,
    Route.AUTO_REPLY,
    Route.QUARANTINE,
)
NEEDS_SENDER = frozenset({Route.NEW_CASE, Route.SUBSCRIBE, Route.UNSUBSCRIBE})
MANUAL_RULE = "manual"
_UNDO_SUBSCRIBED = frozenset({"subscribed", "confirmation_requested", "confirmed"})


class RerouteRefused(KulturklusterError):
    """The message cannot be sent to that route (nonsensical target, or its effects cannot be undone)."""


@dataclass(frozen=True, slots=True)
class RerouteResult:
    row_id: int
    old_route: Route
    route: Route
    reason: str
    undone: tuple[str, ...]  # what was undone, in Swedish, for the staff member
    case_reference: str | None = None  # the case the message is now in


def parse_target(value: str) -> Route:
    try:
        route = Route(value.strip())
    except ValueError:
        route = None
    if route not in TARGETS:
        names = ", ".join(r.value for r in TARGETS)
        raise RerouteRefused(t("inbound.reroute_bad_target", route=value[:40], routes=names))
    return route


def check(row: InboundMessage, target: Route, mail: ParsedMail | None, own: frozenset[str]) -> None:
    """Refuse what makes no sense, before anything changes."""
    if target.value == row.route:
        raise RerouteRefused(t("inbound.reroute_same", route=target.value))
    if target in NEEDS_SENDER:
        if mail is None:
            raise RerouteRefused(t("inbound.reroute_unreadable", route=target.value))
        if not mail.from_address:
            raise RerouteRefused(t("inbound.reroute_no_sender", route=target.value))
        if mail.from_address.lower() in own:
            raise RerouteRefused(t("inbound.reroute_own_address", address=mail.from_address))


def undo(
    session: Session, row: InboundMessage, files: AttachmentStore, *, actor: str, reason: str
) -> list[str]:
    """Undo what handling ``row`` did to the cases and the list; returns what was done, in Swedish."""
    done = _undo_case(session, row, files)
    if row.message_id:
        done += _undo_list(
            session, row.message_id, Evidence(Channel.STAFF, row.message_id, reason, actor=actor)
        )
    return done


def _undo_case(session: Session, row: InboundMessage, files: AttachmentStore) -> list[str]:
    entry = session.scalar(select(CaseMessage).where(CaseMessage.inbound_message_id == row.id))
    if entry is None:
        return []
    case = entry.case
    others = session.scalar(
        select(func.count()).where(CaseMessage.case_id == case.id, CaseMessage.id != entry.id)
    )
    if others:
        raise RerouteRefused(t("inbound.reroute_case_in_use", reference=case.reference))
    reference = case.reference
    for attachment in list(entry.attachments):
        case_store.forget_attachment_file(session, attachment, files)
        session.delete(attachment)
    session.delete(entry)
    session.flush()
    session.expire(case, ["messages"])
    session.delete(case)
    session.flush()
    return [t("inbound.reroute_case_deleted", reference=reference)]


def _undo_list(session: Session, message_id: str, evidence: Evidence) -> list[str]:
    """Revert the list changes this message made (not those staff made about it) that are still latest."""
    done: list[str] = []
    caused = session.scalars(
        select(ConsentEvent)
        .where(ConsentEvent.evidence_message_id == message_id, ConsentEvent.channel != Channel.STAFF)
        .order_by(ConsentEvent.id)
    )
    for event in list(caused):
        subscriber = session.get_one(Subscriber, event.subscriber_id)
        latest = session.scalar(
            select(func.max(ConsentEvent.id)).where(ConsentEvent.subscriber_id == subscriber.id)
        )
        if event.action not in _UNDO_SUBSCRIBED and event.action != "unsubscribed":
            continue
        if latest != event.id:
            done.append(t("inbound.reroute_list_changed_since", email=subscriber.email))
            continue
        if event.action in _UNDO_SUBSCRIBED:
            subscribers_service.unsubscribe(session, subscriber.email, evidence)
            done.append(t("inbound.reroute_unsubscribed", email=subscriber.email))
        elif event.old_status in {Status.ACTIVE, Status.PENDING}:
            confirm_first = event.old_status == Status.PENDING
            subscribers_service.subscribe(
                session, subscriber.email, subscriber.name, evidence, confirm_first=confirm_first
            )
            done.append(t("inbound.reroute_restored", email=subscriber.email, status=event.old_status))
    return done
