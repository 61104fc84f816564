"""A one-off data migration: open cases for mail routed to cases before the case store existed.

Run by ``kulturkluster db upgrade`` after the schema reaches head. It parses and threads each stored
message the way the pipeline does (``Pipeline.parse``, ``Pipeline.classify_context``) and hands it to the
case handler, but sends nothing: such mail may have been answered by hand meanwhile.
"""

from __future__ import annotations

from sqlalchemy import select

from cases.models import CaseMessage

from . import store
from .batch import BatchCache
from .classify import Decision, Route
from .handlers import Incoming, handle_case
from .models import InboundMessage
from .pipeline import Pipeline


def backfill_cases(pipeline: Pipeline, batch_size: int = 200) -> int:
    """Open the missing cases, ``batch_size`` messages per transaction; returns how many. Idempotent."""
    done, last_id = 0, 0
    while True:
        with pipeline.db.unit_of_work() as session:
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
            # Messages are threaded one after the other (the session autoflushes), so a mail finds the
            # case an earlier one of the same transaction opened in the store itself.
            batch = BatchCache()
            for row in rows:
                last_id = row.id
                mail, _failure = pipeline.parse(row.raw)
                if mail is None or not mail.from_address:
                    continue
                context = pipeline.classify_context(session, mail, set())
                decision = Decision(Route(row.route), row.rule, row.reason)
                incoming = Incoming(row.id, mail, decision, context, row.received_at, batch)
                handle_case(session, incoming, pipeline.config.handlers)
                done += 1
