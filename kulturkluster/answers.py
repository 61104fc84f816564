"""The Answer contract: which automatic answer a person gets, as plain data, and the seam that sends it.

The list and case use cases (``subscribers``, ``cases``) and the inbound handlers decide *that* a person
gets an answer; the mailer (wired in by the composition root) decides how it looks and when it goes. The
answer is queued in the same transaction as the change it reports. A leaf module: it imports no domain
package, so every domain and the mailer can depend on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from sqlalchemy.orm import Session

# Message-IDs of our automatic answers start like this (confirmation requests carry "kkc-" tokens), so
# a reply to one of them is recognised without a lookup, and never gets an automatic answer itself.
AUTOMATIC_PREFIX = "kkauto."
# Every mail we send carries this header; mail that comes back with it is never answered.
OUR_MARKER_HEADER = "X-Kulturkluster"
# Our signature over the marker's kind and the Message-ID (``TokenSigner.seal``): anyone can add the marker.
OUR_SEAL_HEADER = "X-Kulturkluster-Seal"


def answers_our_automatic_mail(in_reply_to: tuple[str, ...]) -> bool:
    return any(mid.startswith((AUTOMATIC_PREFIX, "kkc-", "kku-")) for mid in in_reply_to)


class AnswerKind(StrEnum):
    WELCOME = "welcome"
    CONFIRM = "confirm"
    ALREADY_SUBSCRIBED = "already_subscribed"
    GOODBYE = "goodbye"
    CONFIRM_UNSUBSCRIBE = "confirm_unsubscribe"  # "Avsluta" without proof: reply to confirm
    RECEIPT = "receipt"


@dataclass(frozen=True, slots=True)
class Answer:
    kind: AnswerKind
    to_address: str
    to_name: str = ""
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    inbound_message_id: int | None = None
    case_reference: str | None = None
    case_subject: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # template context shared by many answers


class Responder(Protocol):
    def prepare(self, session: Session, addresses: Iterable[str]) -> Responder:
        """Before many answers in one transaction: a responder for them that loaded what the caps need at
        once and counts in memory. Drop it when the transaction ends (or a savepoint it counted in fails)."""
        ...

    def answer(self, session: Session, answer: Answer) -> None:
        """Queue ``answer`` in the caller's transaction (or suppress it over a cap). A prepared responder
        may hold the rows back to write them together: call ``finish`` before the transaction ends."""
        ...

    def finish(self, session: Session) -> None:
        """Write the answers held back (nothing to do for one that writes each at once). Call it before
        the transaction commits, and inside a savepoint before the savepoint ends."""
