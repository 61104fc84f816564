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

from cases import store as case_store
from cases.models import CaseMessage
from cases.threading import Action, Match
from kulturkluster.answers import Responder
from kulturkluster.db import Database, utcnow
from subscribers import service as subscribers_service
from subscribers.tokens import Purpose, TokenSigner

from . import store
from .classify import ClassifyContext, Decision, Route, classify
from .handlers import HANDLERS, HandlerConfig, Incoming, handle_case
from .isolation import IsolatedParser, ParseTimeout
from .message import ParsedMail
from .models import InboundMessage
from .parse import UnparseableMail

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


DELIVERY_HEADERS = ("to", "delivered-to", "x-original-to", "envelope-to", "x-envelope-to")


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    own_addresses: frozenset[str]
    handlers: HandlerConfig
    max_message_bytes: int
    isolate_bytes: int = 2 * 1024 * 1024
    parse_timeout: float = 60.0


class Pipeline:
    def __init__(
        self, db: Database, responder: Responder, tokens: TokenSigner, config: PipelineConfig
    ) -> None:
        self.db = db
        self.responder = responder
        self.tokens = tokens
        self.config = config
        self.parser = IsolatedParser(config.isolate_bytes, config.parse_timeout)

    def process(self, items: Sequence[Item]) -> list[Outcome]:
        """Handle a batch in one transaction; returns one outcome per item, in order, after the commit."""
        isolate = raced = False
        while True:
            try:
                with self.db.unit_of_work() as session, session.no_autoflush:
                    outcomes = self._process_batch(session, items, isolate=isolate)
                break
            except IntegrityError:
                # Another worker committed some of these messages after we looked; now they are duplicates.
                if raced:
                    raise
                raced = True
                log.info("batch raced with another worker; running it again", extra={"messages": len(items)})
            except Exception:
                # Handlers run without savepoints (two round trips each) unless one fails; then the batch
                # runs again with every handler in its own savepoint, and the failing one is quarantined.
                if isolate:
                    raise
                isolate = True
                log.info("a handler failed; running the batch again message by message")
        for outcome in outcomes:
            if not outcome.duplicate:
                log.debug("message routed", extra={"id": outcome.row_id, "route": outcome.route.value})
        if items:
            log.info(
                "batch handled",
                extra={"messages": len(items), "duplicates": sum(o.duplicate for o in outcomes)},
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

    def backfill_cases(self, batch_size: int = 200) -> int:
        """Open cases for mail routed to cases before the case store existed. Idempotent; sends nothing
        (such mail may have been answered by hand meanwhile)."""
        done, last_id = 0, 0
        while True:
            with self.db.unit_of_work() as session:
                has_case = select(CaseMessage.id).where(CaseMessage.inbound_message_id == InboundMessage.id)
                rows = list(
                    session.scalars(
                        select(InboundMessage)
                        .where(
                            InboundMessage.id > last_id,
                            InboundMessage.route.in_(store.CASE_ROUTES),
                            ~has_case.exists(),
                        )
                        .order_by(InboundMessage.id)
                        .limit(batch_size)
                    )
                )
                if not rows:
                    return done
                for row in rows:
                    last_id = row.id
                    mail, _failure = self.parse(row.raw)
                    if mail is None or not mail.from_address:
                        continue
                    context = self.classify_context(session, mail, set())
                    decision = Decision(Route(row.route), row.rule, row.reason)
                    incoming = Incoming(row.id, mail, decision, context, row.raw, row.received_at)
                    handle_case(session, incoming, self.config.handlers)
                    done += 1

    # -- one message ------------------------------------------------------------------------------------

    def _process_batch(self, session: Session, items: Sequence[Item], *, isolate: bool) -> list[Outcome]:
        """Store, route and handle a batch with a handful of queries, however large it is."""
        digests = [store.digests(item.raw) for item in items]
        by_sha = store.by_sha256(session, [sha for sha, _body in digests])
        parsed = {i: self.parse(item.raw) for i, item in enumerate(items) if digests[i][0] not in by_sha}
        mails = [mail for mail, _failure in parsed.values() if mail is not None]
        by_body = store.by_message_id(session, [m.message_id for m in mails if m.message_id])
        batch_case_ids: set[str] = set()  # Message-IDs of mail routed to cases earlier in this batch
        rows: list[tuple[InboundMessage, bool]] = []
        new: list[tuple[InboundMessage, ParsedMail | None, ClassifyContext | None]] = []
        for i, item in enumerate(items):
            sha256, body_sha256 = digests[i]
            mail, failure = parsed.get(i, (None, None))
            existing = by_sha.get(sha256) or (
                by_body.get((mail.message_id, body_sha256)) if mail is not None and mail.message_id else None
            )
            if existing is not None:
                rows.append((existing, True))
                continue
            row = InboundMessage(
                sha256=sha256,
                body_sha256=body_sha256,
                source=item.source,
                source_ref=item.ref,
                received_at=utcnow(),
                size=len(item.raw),
                raw=item.raw,
            )
            context = self._route(session, row, mail, failure, batch_case_ids)
            session.add(row)
            rows.append((row, False))
            new.append((row, mail, context))
            by_sha[sha256] = row  # the same bytes twice in one batch
            if mail is not None and mail.message_id:
                by_body[(mail.message_id, body_sha256)] = row
                if row.route in store.CASE_ROUTES:
                    batch_case_ids.add(mail.message_id)
        session.flush()
        addresses = {
            address
            for row, mail, context in new
            if mail is not None and context is not None and Route(row.route) in HANDLERS
            for address in (mail.from_address, context.confirm_address, context.unsubscribe_address)
            if address
        }
        subscribers_service.preload(session, addresses)
        case_store.preload_contacts(session, addresses)
        self.responder.prepare(session, addresses)
        try:
            for row, mail, context in new:
                self._handle(session, row, mail, context, isolate=isolate)
        finally:
            subscribers_service.forget_preloaded(session)
            case_store.forget_preloaded(session)
            self.responder.finish(session)
        return [
            Outcome(item.ref, row.id, Route(row.route), row.reason, duplicate=dup)
            for item, (row, dup) in zip(items, rows, strict=True)
        ]

    def _reprocess_one(self, session: Session, row: InboundMessage) -> Outcome:
        mail, failure = self.parse(row.raw)
        context = self._route(session, row, mail, failure)
        session.flush()
        self._handle(session, row, mail, context, isolate=True)
        return Outcome(row.source_ref, row.id, Route(row.route), row.reason)

    def parse(self, raw: bytes) -> tuple[ParsedMail | None, str | None]:
        if len(raw) > self.config.max_message_bytes:
            return None, f"message of {len(raw)} bytes is over the limit of {self.config.max_message_bytes}"
        try:
            return self.parser.parse(raw), None
        except UnparseableMail as exc:
            return None, f"not an email message: {exc}"
        except ParseTimeout as exc:
            return None, str(exc)
        except Exception as exc:  # the parser must never stop the pipeline
            log.exception("parser failed")
            return None, f"parser failed: {type(exc).__name__}: {exc}"

    def _route(
        self,
        session: Session,
        row: InboundMessage,
        mail: ParsedMail | None,
        failure: str | None,
        batch_case_ids: set[str] | None = None,
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
            context = self.classify_context(session, mail, batch_case_ids or set())
            decision = classify(mail, context)
            row.error = None
        row.route, row.rule, row.reason = decision.route.value, decision.rule, decision.reason
        return context

    def _handle(
        self,
        session: Session,
        row: InboundMessage,
        mail: ParsedMail | None,
        context: ClassifyContext | None,
        *,
        isolate: bool,
    ) -> None:
        route = Route(row.route)
        handler = HANDLERS.get(route)
        if handler is None or mail is None or context is None:
            return
        incoming = Incoming(
            row.id, mail, Decision(route, row.rule, row.reason), context, row.raw, row.received_at
        )
        if not isolate:
            for answer in handler(session, incoming, self.config.handlers):
                self.responder.answer(session, answer)
            return
        try:
            with session.begin_nested():
                for answer in handler(session, incoming, self.config.handlers):
                    self.responder.answer(session, answer)
        except Exception as exc:  # a failing handler quarantines this message, not the batch
            log.exception("handler failed", extra={"id": row.id, "route": route.value})
            # What the preloaded maps hold may have been rolled back; later handlers ask the database.
            subscribers_service.forget_preloaded(session)
            case_store.forget_preloaded(session)
            self.responder.finish(session)
            row.route, row.rule = Route.QUARANTINE.value, "handler_failed"
            row.reason = f"handling as {route.value} failed: {type(exc).__name__}: {exc}"[:2000]
            row.error = row.reason

    def classify_context(
        self, session: Session, mail: ParsedMail, batch_case_ids: set[str]
    ) -> ClassifyContext:
        """Facts for the classifier: our tokens in the mail, and the case it threads into."""
        claims = self.tokens.find(list(mail.thread_ids))
        confirm = next((c.address for c in claims if c.purpose is Purpose.CONFIRM), None)
        unsubscribe = next(
            (c.address for c in self.tokens.find([mail.subject]) if c.purpose is Purpose.UNSUBSCRIBE), None
        )
        case_references = tuple(c.address for c in claims if c.purpose is Purpose.CASE)
        case_match = None
        if mail.from_address:
            case_match = case_store.match_for(
                session,
                sender=mail.from_address,
                token_references=case_references,
                thread_ids=mail.thread_ids,
                subject=mail.subject,
                reopen_window=self.config.handlers.reopen_window,
            )
            if case_match is None and any(tid in batch_case_ids for tid in mail.thread_ids):
                # Its case is opened by the handler of an earlier message in this batch.
                case_match = Match(0, "", Action.APPEND, "answers a message earlier in this batch")
        return_paths = self.config.handlers.return_paths
        delivered_to = " ".join(mail.headers.get(h, "") for h in DELIVERY_HEADERS)
        return ClassifyContext(
            return_path_ids=tuple(return_paths.find(delivered_to)) if return_paths else (),
            own_addresses=self.config.own_addresses,
            confirm_address=confirm,
            unsubscribe_address=unsubscribe,
            case_match=case_match,
            case_references=case_references,
        )
