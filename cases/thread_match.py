"""Which case a mail belongs to: a pure decision over facts the store looked up.

Order: our own Message-IDs (they carry a signed case token), then In-Reply-To/References against every
stored Message-ID, then a ``[KK-2026-0042]`` tag in the subject, then a reference written without brackets
("Ang. KK-2026-0042"), the last two only from someone who already takes part in that case (anyone can type
a reference; from a stranger it opens a case of its own). A match with a case closed long ago opens a new case that
follows it; a recently closed case is reopened.

A mail may also answer a message that arrived in the same batch and is not stored as case mail yet: a
``SiblingMatch`` names that message, and the batch resolves it to the case the message joined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Action(StrEnum):
    APPEND = "append"  # add to an open case
    REOPEN = "reopen"  # add and reopen a recently closed case
    FOLLOW_UP = "follow_up"  # a new case that follows a case closed long ago


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the store knows about one candidate case."""

    case_id: int
    reference: str
    closed_at: datetime | None
    participants: frozenset[str]


@dataclass(frozen=True, slots=True)
class Candidates:
    """Cases a mail might belong to, by how they were found (each None when nothing was found)."""

    by_token: CaseFacts | None = None
    by_thread: CaseFacts | None = None
    by_tag: CaseFacts | None = None
    by_mention: CaseFacts | None = None  # a bare reference in the subject, when it has no tag


@dataclass(frozen=True, slots=True)
class Match:
    """A stored case the mail threads into, and what to do with it."""

    case_id: int
    reference: str
    action: Action
    reason: str


@dataclass(frozen=True, slots=True)
class SiblingMatch:
    """The mail answers ``message_id``, a message earlier in the same batch that goes to a case.

    That case may not exist yet when the mail is routed (the sibling's handler opens it), so the handler
    looks it up by the sibling's Message-ID. ``otherwise`` is what the store found, used if the sibling's
    handling failed and it joined no case.
    """

    message_id: str
    otherwise: Match | None = None
    action: Action = Action.APPEND
    reason: str = "answers a message earlier in this batch"


CaseMatch = Match | SiblingMatch


def decide(candidates: Candidates, sender: str, now: datetime, reopen_window: timedelta) -> Match | None:
    """The case this mail threads into, or None for a new case."""
    found = _first(candidates, sender.lower())
    if found is None:
        return None
    facts, how = found
    if facts.closed_at is None:
        return Match(facts.case_id, facts.reference, Action.APPEND, how)
    if now - facts.closed_at <= reopen_window:
        return Match(facts.case_id, facts.reference, Action.REOPEN, f"{how}; closed recently, reopened")
    days = (now - facts.closed_at).days
    return Match(
        facts.case_id,
        facts.reference,
        Action.FOLLOW_UP,
        f"{how}; closed {days} days ago, new case follows it",
    )


def _first(candidates: Candidates, sender: str) -> tuple[CaseFacts, str] | None:
    if candidates.by_token:
        return candidates.by_token, f"answers our mail in {candidates.by_token.reference}"
    if candidates.by_thread:
        return (
            candidates.by_thread,
            f"In-Reply-To/References name a message of {candidates.by_thread.reference}",
        )
    tag = candidates.by_tag
    if tag and sender in tag.participants:
        return tag, f"subject tag {tag.reference} from a participant"
    mention = candidates.by_mention
    if mention and sender in mention.participants:
        return mention, f"subject names {mention.reference} (no tag), from a participant"
    return None
