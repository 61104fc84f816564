"""Bounce scoring as Mailman does it, as a pure function over plain values.

A permanent failure adds 1; a temporary one adds 0.5, at most once a day; after a quiet week the score
starts again from 0; at the threshold (default 3) the subscriber gets no more newsletters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

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
