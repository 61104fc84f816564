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

from kulturkluster import preassigned_ids
from kulturkluster.answers import Answer, Responder
from kulturkluster.db import Database, utcnow
from kulturkluster.errors import KulturklusterError
from subscribers.tokens import TokenSigner

from . import context, store
from .batch import BatchCache
from .classify import ClassifyContext, Decision, Route, classify
from .handlers import HANDLERS, HandlerConfig, Incoming
from .isolation import IsolatedParser, ParseTimeout, discard_spooled
from .message import ParsedMail
from .models import InboundMessage
from .parse import UnparseableMail
from .parse_pool import Parsed, ParsePool, failure_reason
from .sources.base import Item, Outcome

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    own_addresses: frozenset[str]
    handlers: HandlerConfig
    max_message_bytes: int
    isolate_bytes: int = 2 * 1024 * 1024
    parse_timeout: float = 60.0


class Pipeline:
    """Store, parse, classify and handle inbound mail; see the module docstring."""

    def __init__(
        self, db: Database, responder: Responder, tokens: TokenSigner, config: PipelineConfig
    ) -> None:
        self.db = db
        self.responder = responder
        self.tokens = tokens
        self.config = config
        spool = config.handlers.attachments.spool_dir
        self.parser = IsolatedParser(config.isolate_bytes, config.parse_timeout, spool)

    def process(self, items: Sequence[Item], parsed: Sequence[Parsed | None] = ()) -> list[Outcome]:
        """Handle a batch in one transaction; returns one outcome per item, in order, after the commit.
        ``parsed``: the items parsed ahead (``parse_pool``), each used instead of parsing it here."""
        isolate = raced = False
        while True:
            try:
                with self.db.unit_of_work() as session, session.no_autoflush:
                    preassigned_ids.expect_many_rows(session)  # PostgreSQL: plain executemany INSERTs
                    outcomes = self._process_batch(session, items, parsed, isolate=isolate)
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
            batch = BatchCache()  # nothing preloaded: it fills as the messages ask
            return [self._reprocess_one(session, row, batch) for row in rows]

    def parse_pool(self) -> ParsePool:
        """A worker process to parse batches ahead (the messages ``parse`` parses in this process: not
        over the size limit, under the isolation threshold)."""
        return ParsePool(min(self.config.isolate_bytes, self.config.max_message_bytes + 1))

    def parse(self, raw: bytes) -> Parsed:
        """The parsed mail, or None and why not (too large, not a message, too slow, parser failure)."""
        if len(raw) > self.config.max_message_bytes:
            return None, f"message of {len(raw)} bytes is over the limit of {self.config.max_message_bytes}"
        try:
            return self.parser.parse(raw), None
        except ParseTimeout as exc:
            return None, str(exc)
        except Exception as exc:  # the parser must never stop the pipeline
            if not isinstance(exc, UnparseableMail):
                log.exception("parser failed")
            return None, failure_reason(exc)

    def classify_context(
        self, session: Session, mail: ParsedMail, batch_case_ids: set[str]
    ) -> ClassifyContext:
        """Facts for the classifier and the handlers (see ``inbound.context.gather``)."""
        return context.gather(
            session,
            mail,
            batch_case_ids,
            tokens=self.tokens,
            own_addresses=self.config.own_addresses,
            handlers=self.config.handlers,
        )

    # -- one batch, one message -------------------------------------------------------------------------

    def _process_batch(
        self, session: Session, items: Sequence[Item], ahead: Sequence[Parsed | None], *, isolate: bool
    ) -> list[Outcome]:
        """Store, route and handle a batch with a handful of queries, however large it is."""
        digests = [store.digests(item.raw) for item in items]
        by_sha = store.by_sha256(session, [sha for sha, _body in digests])
        ahead = ahead or [None] * len(items)
        parsed = {
            i: ahead[i] or self.parse(item.raw) for i, item in enumerate(items) if digests[i][0] not in by_sha
        }
        mails = [mail for mail, _failure in parsed.values() if mail is not None]
        try:
            return self._store_and_handle(session, items, digests, by_sha, parsed, mails, isolate=isolate)
        finally:  # big attachments the handlers did not adopt into the store (another route, a rerun)
            for mail in mails:
                discard_spooled(mail)

    def _store_and_handle(
        self,
        session: Session,
        items: Sequence[Item],
        digests: list[tuple[str, str]],
        by_sha: dict[str, InboundMessage],
        parsed: dict[int, tuple[ParsedMail | None, str | None]],
        mails: list[ParsedMail],
        *,
        isolate: bool,
    ) -> list[Outcome]:
        by_body = store.by_message_id(session, [m.message_id for m in mails if m.message_id])
        batch_case_ids: set[str] = set()  # Message-IDs of mail routed to cases earlier in this batch
        rows: list[tuple[InboundMessage, bool]] = []
        new: list[tuple[InboundMessage, ParsedMail | None, ClassifyContext | None]] = []
        big: list[tuple[InboundMessage, bytes]] = []  # written after the flush (``store.raw_value``)
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
                raw=store.raw_value(session, item.raw),
            )
            if not isinstance(row.raw, bytes):
                big.append((row, item.raw))
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
        for row, raw in big:
            store.write_big_raw(session, row, raw)
        addresses = {
            address
            for row, mail, context in new
            if mail is not None and context is not None and Route(row.route) in HANDLERS
            for address in (mail.from_address, context.confirm_address, context.unsubscribe_address)
            if address
        }
        new_cases = sum(row.route == Route.NEW_CASE.value for row, _mail, _context in new)
        batch = BatchCache.preload(session, addresses, self.responder, new_cases)  # dropped with this batch
        for row, mail, context in new:
            self._handle(session, row, mail, context, batch, isolate=isolate)
        batch.finish(session)
        return [
            Outcome(item.ref, row.id, Route(row.route), row.reason, duplicate=dup)
            for item, (row, dup) in zip(items, rows, strict=True)
        ]

    def _reprocess_one(self, session: Session, row: InboundMessage, batch: BatchCache) -> Outcome:
        mail, failure = self.parse(row.raw)
        try:
            context = self._route(session, row, mail, failure)
            session.flush()
            self._handle(session, row, mail, context, batch, isolate=True)
        finally:
            discard_spooled(mail)
        return Outcome(row.source_ref, row.id, Route(row.route), row.reason)

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
        batch: BatchCache,
        *,
        isolate: bool,
    ) -> None:
        route = Route(row.route)
        handler = HANDLERS.get(route)
        if handler is None or mail is None or context is None:
            return
        decision = Decision(route, row.rule, row.reason)
        incoming = Incoming(row.id, mail, decision, context, row.received_at, batch)
        if not isolate:  # the answers are written with the batch's others (``BatchCache.finish``)
            self._answer(session, handler(session, incoming, self.config.handlers), batch)
            return
        try:
            with session.begin_nested():
                self._answer(session, handler(session, incoming, self.config.handlers), batch)
                if batch.answers is not None:
                    batch.answers.finish(session)  # inside the savepoint: undone with it
        except Exception as exc:  # a failing handler quarantines this message, not the batch
            log.exception("handler failed", extra={"id": row.id, "route": route.value})
            batch.reset(mail.message_id)
            row.route, row.rule = Route.QUARANTINE.value, "handler_failed"
            # Our own errors say in Swedish what staff can do; anything else is named by its type.
            detail = str(exc) if isinstance(exc, KulturklusterError) else f"{type(exc).__name__}: {exc}"
            row.reason = f"handling as {route.value} failed: {detail}"[:2000]
            row.error = row.reason

    def _answer(self, session: Session, answers: list[Answer], batch: BatchCache) -> None:
        responder = batch.answers or self.responder
        for answer in answers:
            responder.answer(session, answer)
