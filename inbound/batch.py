"""What one batch of inbound mail loads once and shares between its handlers, as one explicit object.

The pipeline creates a ``BatchCache`` per batch (one transaction), passes it to the handlers in
``Incoming`` and drops it with the batch. It holds each domain's small cache (subscribers by address,
contacts and reference years, the automatic-answer cap counts behind a batch responder) and the cases the
batch's mail joined, by Message-ID, so that a reply to a message earlier in the same batch joins the case
that message opened before it is in the database. A cache built by the default constructor is empty and
fills as it is used: right for one message at a time (re-routing, backfill).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cases import store as case_store
from cases.models import Case
from cases.store import CaseCache
from kulturkluster.answers import Responder
from subscribers import service as subscribers_service
from subscribers.service import SubscriberCache


@dataclass
class BatchCache:
    """Per-batch lookups; see the module docstring. ``answers`` is None when answers go to the pipeline's
    own responder (nothing preloaded, or dropped after a failed handler)."""

    subscribers: SubscriberCache = field(default_factory=SubscriberCache)
    cases: CaseCache = field(default_factory=CaseCache)
    answers: Responder | None = None
    joined: dict[str, Case] = field(default_factory=dict)  # Message-ID -> the case its mail joined
    # Cases this batch opened (not in the database yet), by their requester's address, oldest first.
    opened: dict[str, list[Case]] = field(default_factory=dict)

    @classmethod
    def preload(
        cls, session: Session, addresses: Iterable[str], responder: Responder, new_cases: int = 0
    ) -> BatchCache:
        """Load what the batch's handlers will ask about these addresses (``new_cases``: how many cases
        the batch will likely open, to reserve their reference numbers at once): a handful of queries."""
        wanted = set(addresses)
        return cls(
            subscribers=subscribers_service.preload(session, wanted, lock=True),
            cases=case_store.preload_contacts(session, wanted, new_cases),
            answers=responder.prepare(session, wanted),
        )

    def finish(self, session: Session) -> None:
        """Before the batch commits: write the answers held back, give back reserved reference numbers no
        case took."""
        if self.answers is not None:
            self.answers.finish(session)
        case_store.release_numbers(session, self.cases)

    def joined_case(self, message_id: str | None, case: Case) -> None:
        """The mail ``message_id`` went into ``case`` (for later mail of the batch that answers it)."""
        if message_id:
            self.joined[message_id] = case
        if case.id is None:
            mine = self.opened.setdefault(case.contact.email, [])
            if case not in mine:
                mine.append(case)

    def opened_for(self, address: str) -> list[Case]:
        """The cases this batch opened for ``address`` (still unsaved: no stored query finds them)."""
        return [case for case in self.opened.get(address, []) if case.id is None]

    def case_joined_by(self, message_id: str) -> Case | None:
        return self.joined.get(message_id)

    def reset(self, failed_message_id: str | None) -> None:
        """A handler's savepoint was rolled back: what the maps hold may be gone with it, so later
        handlers ask the database again. Cases joined by the other mail of the batch stay."""
        self.subscribers = SubscriberCache()
        self.cases = CaseCache()
        self.answers = None
        if failed_message_id:
            self.joined.pop(failed_message_id, None)
        self.opened = {}
        for case in dict.fromkeys(self.joined.values()):
            if case.id is None:
                self.opened.setdefault(case.contact.email, []).append(case)
