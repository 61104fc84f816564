"""Re-routing a stored message by hand: undo what its route did, then handle it as the route staff chose.

Each domain undoes its own effects (only what this very message caused, and only while nothing came after
it); this module checks the request, orchestrates, and says in Swedish what was done:
- a case it opened is deleted (``cases.operations.undo_opened_by``), if the case holds nothing else (no
  reply, note or other mail); a case with more in it is refused: staff handle that in the case itself.
  The raw message stays in inbound_messages.
- a list change it caused (subscribed, asked for confirmation, confirmed, unsubscribed) is reverted with a
  consent event of channel ``staff`` that names the staff member, if it is still the address's latest
  change (``subscribers.staff_actions.undo_change_by``). Bounce scores and answers already sent are not
  undone.

Then the new route's handler runs with the staff member's reason as the decision's reason (so a new
subscription's consent event says who re-routed it). Answers that belong to the list's consent process
(confirmation, welcome, goodbye) are sent; a case receipt is not: it would arrive long after the mail, and
a member of staff is looking at the case right now and answers it in person.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases import operations as case_ops
from cases.attachments import AttachmentStore
from cases.models import CaseMessage
from kulturkluster.answers import AnswerKind
from kulturkluster.db import utcnow
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from subscribers import staff_actions
from subscribers.staff_actions import Undone, UndoResult

from . import store
from .classify import Decision, Route
from .handlers import HANDLERS, Incoming
from .message import ParsedMail
from .models import InboundMessage

if TYPE_CHECKING:
    from .pipeline import Pipeline

log = logging.getLogger(__name__)

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


class RerouteRefused(KulturklusterError):
    """The message cannot be sent to that route (nonsensical target, or its effects cannot be undone)."""

    kind = ErrorKind.CONFLICT


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


def reroute(pipeline: Pipeline, row_id: int, target: Route, *, actor: str, reason: str = "") -> RerouteResult:
    """Send a stored message to ``target`` by hand; ``actor`` names the staff member and is recorded with
    the reason. One transaction: all of it happens, or none."""
    config = pipeline.config
    with pipeline.db.unit_of_work() as session:
        row = store.get(session, row_id)
        mail, _failure = pipeline.parse(row.raw) if target in NEEDS_SENDER else (None, None)
        check(row, target, mail, config.own_addresses)
        old = Route(row.route)
        why = reason.strip()[:1000] or t("inbound.reroute_no_reason")
        text = t("inbound.rerouted", old=old.value, new=target.value, actor=actor, reason=why)
        undone = undo(session, row, config.handlers.attachments, actor=actor, reason=text)
        row.route, row.rule, row.reason, row.error = target.value, MANUAL_RULE, text, None
        row.processed_at = utcnow()
        reference = None
        handler = HANDLERS.get(target)
        if handler is not None and mail is not None:
            context = pipeline.classify_context(session, mail, set())
            incoming = Incoming(row.id, mail, Decision(target, row.rule, text), context, row.received_at)
            for answer in handler(session, incoming, config.handlers):
                if answer.kind is not AnswerKind.RECEIPT:  # see the module's docstring: no late receipts
                    pipeline.responder.answer(session, answer)
            session.flush()
            entry = session.scalar(select(CaseMessage).where(CaseMessage.inbound_message_id == row.id))
            reference = entry.case.reference if entry is not None else None
        log.info("message re-routed", extra={"id": row.id, "from": old.value, "to": target.value})
        return RerouteResult(row.id, old, target, text, tuple(undone), reference)


def undo(
    session: Session, row: InboundMessage, files: AttachmentStore, *, actor: str, reason: str
) -> list[str]:
    """Ask the cases and the list to undo what handling ``row`` did; returns what was done, in Swedish."""
    done: list[str] = []
    try:
        deleted = case_ops.undo_opened_by(session, row.id, files)
    except case_ops.CaseInUse as exc:
        raise RerouteRefused(str(exc)) from exc
    if deleted is not None:
        done.append(t("inbound.reroute_case_deleted", reference=deleted))
    if row.message_id:
        changes = staff_actions.undo_change_by(session, row.message_id, actor=actor, reason=reason)
        done += [_said(change) for change in changes]
    return done


def _said(change: Undone) -> str:
    if change.result is UndoResult.UNSUBSCRIBED:
        return t("inbound.reroute_unsubscribed", email=change.email)
    if change.result is UndoResult.RESTORED:
        return t("inbound.reroute_restored", email=change.email, status=change.status)
    return t("inbound.reroute_list_changed_since", email=change.email)
