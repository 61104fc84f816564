"""The inbound pipeline: store raw bytes once, parse, classify, handle, in one transaction per batch.

Each message runs in its own savepoint, so one that fails lands in quarantine without taking the rest of
its batch with it. The caller acknowledges messages at their source only after ``process`` returned, i.e.
after the commit: a crash before it loses nothing, a crash after it finds the stored copy and does nothing
twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kulturkluster.db import Database, utcnow
from subscribers.tokens import Purpose, TokenSigner

from . import store
from .answers import Responder
from .classify import ClassifyContext, Decision, Route, classify
from .handlers import HANDLERS, HandlerConfig, Incoming
from .message import ParsedMail
from .models import InboundMessage
from .parse import UnparseableMail, parse

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Item:
    """One message as a source delivers it. ``ref`` names it at the source (e.g. an IMAP UID)."""

    raw: bytes
    source: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    ref: str | None
    row_id: int
    route: Route
    reason: str
    duplicate: bool = False


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    own_addresses: frozenset[str]
    handlers: HandlerConfig
    max_message_bytes: int


class Pipeline:
    def __init__(
        self, db: Database, responder: Responder, tokens: TokenSigner, config: PipelineConfig
    ) -> None:
        self.db = db
        self.responder = responder
        self.tokens = tokens
        self.config = config

    def process(self, items: Sequence[Item]) -> list[Outcome]:
        """Handle a batch in one transaction; returns one outcome per item, in order, after the commit."""
        with self.db.unit_of_work() as session:
            outcomes = [self._process_one(session, item) for item in items]
        for outcome in outcomes:
            if not outcome.duplicate:
                log.info(
                    "message routed",
                    extra={"id": outcome.row_id, "route": outcome.route.value, "reason": outcome.reason},
                )
        return outcomes

    def known_refs(self, refs: Sequence[str]) -> dict[str, Route]:
        """Routes of messages already stored under these source references (skip fetching them again)."""
        with self.db.unit_of_work() as session:
            return {ref: Route(route) for ref, route in store.routes_by_source_ref(session, refs).items()}

    def reprocess(self, row_ids: Sequence[int] | None = None) -> list[Outcome]:
        """Run quarantined messages again (all of them, or the given ids that are in quarantine)."""
        with self.db.unit_of_work() as session:
            query = select(InboundMessage).where(InboundMessage.route == Route.QUARANTINE.value)
            if row_ids is not None:
                query = query.where(InboundMessage.id.in_(row_ids))
            rows = list(session.scalars(query.order_by(InboundMessage.id)))
            return [self._reprocess_one(session, row) for row in rows]

    # -- one message ------------------------------------------------------------------------------------

    def _process_one(self, session: Session, item: Item) -> Outcome:
        sha256, body_sha256 = store.digests(item.raw)
        existing = store.find_duplicate(session, sha256, body_sha256, None)
        if existing is not None:
            return Outcome(item.ref, existing.id, Route(existing.route), existing.reason, duplicate=True)
        mail, failure = self._parse(item.raw)
        if mail is not None and mail.message_id:
            existing = store.find_duplicate(session, sha256, body_sha256, mail.message_id)
            if existing is not None:
                return Outcome(item.ref, existing.id, Route(existing.route), existing.reason, duplicate=True)
        row = InboundMessage(
            sha256=sha256,
            body_sha256=body_sha256,
            source=item.source,
            source_ref=item.ref,
            received_at=utcnow(),
            size=len(item.raw),
            raw=item.raw,
        )
        try:
            with session.begin_nested():
                context = self._route(session, row, mail, failure)
                session.add(row)
                session.flush()
        except IntegrityError:
            # Another worker stored the same bytes a moment ago.
            existing = store.find_duplicate(session, sha256, body_sha256, None)
            if existing is None:
                raise
            return Outcome(item.ref, existing.id, Route(existing.route), existing.reason, duplicate=True)
        self._handle(session, row, mail, context)
        return Outcome(item.ref, row.id, Route(row.route), row.reason)

    def _reprocess_one(self, session: Session, row: InboundMessage) -> Outcome:
        mail, failure = self._parse(row.raw)
        context = self._route(session, row, mail, failure)
        session.flush()
        self._handle(session, row, mail, context)
        return Outcome(row.source_ref, row.id, Route(row.route), row.reason)

    def _parse(self, raw: bytes) -> tuple[ParsedMail | None, str | None]:
        if len(raw) > self.config.max_message_bytes:
            return None, f"message of {len(raw)} bytes is over the limit of {self.config.max_message_bytes}"
        try:
            return parse(raw), None
        except UnparseableMail as exc:
            return None, f"not an email message: {exc}"
        except Exception as exc:  # the parser must never stop the pipeline
            log.exception("parser failed")
            return None, f"parser failed: {type(exc).__name__}: {exc}"

    def _route(
        self, session: Session, row: InboundMessage, mail: ParsedMail | None, failure: str | None
    ) -> ClassifyContext | None:
        """Fill the row's parsed fields and its decision; returns the facts the decision was made on."""
        row.processed_at = utcnow()
        context = None
        if mail is None:
            decision = Decision(Route.QUARANTINE, "unreadable", failure or "unreadable")
            row.error = failure
        else:
            row.message_id = mail.message_id
            row.from_address = mail.from_address
            row.from_name = mail.from_name[:500]
            row.subject = mail.subject[:2000]
            row.in_reply_to = " ".join(mail.in_reply_to)[:2000] or None
            row.references = " ".join(mail.references)[:8000] or None
            context = self._context(session, mail)
            decision = classify(mail, context)
            row.error = None
        row.route, row.rule, row.reason = decision.route.value, decision.rule, decision.reason
        return context

    def _handle(
        self, session: Session, row: InboundMessage, mail: ParsedMail | None, context: ClassifyContext | None
    ) -> None:
        route = Route(row.route)
        handler = HANDLERS.get(route)
        if handler is None or mail is None or context is None:
            return
        incoming = Incoming(row.id, mail, Decision(route, row.rule, row.reason), context)
        try:
            with session.begin_nested():
                for answer in handler(session, incoming, self.config.handlers):
                    self.responder.answer(session, answer)
        except Exception as exc:  # a failing handler quarantines this message, not the batch
            log.exception("handler failed", extra={"id": row.id, "route": route.value})
            row.route, row.rule = Route.QUARANTINE.value, "handler_failed"
            row.reason = f"handling as {route.value} failed: {type(exc).__name__}: {exc}"[:2000]
            row.error = row.reason

    def _context(self, session: Session, mail: ParsedMail) -> ClassifyContext:
        confirm = next(
            (c.address for c in self.tokens.find(list(mail.thread_ids)) if c.purpose is Purpose.CONFIRM), None
        )
        unsubscribe = next(
            (c.address for c in self.tokens.find([mail.subject]) if c.purpose is Purpose.UNSUBSCRIBE), None
        )
        return ClassifyContext(
            own_addresses=self.config.own_addresses,
            confirm_address=confirm,
            unsubscribe_address=unsubscribe,
            answers_known_case_message=bool(mail.thread_ids)
            and store.answers_case_message(session, mail.thread_ids),
        )
