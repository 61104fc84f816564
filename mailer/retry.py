"""The one retry policy: exponential backoff with a cap, and how many temporary refusals a message gets.

``Backoff`` paces anything that waits for something to come back (the relay in ``mailer run``, the mailbox
in the inbound runner); ``RetryPolicy`` says when a message refused with a 4xx is tried again and when it
is given up. Both kinds of outgoing mail (single answers and newsletter deliveries) use the same policy,
built from ``settings.mailer.max_attempts``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class Backoff:
    """Exponential backoff: ``first``, 2 x ``first``, 4 x ``first``, ... seconds, at most ``maximum``.

    ``jitter`` spreads each delay by up to that fraction either way, so many clients that lost the same
    server do not all come back in the same second.
    """

    maximum: float = 300.0
    first: float = 1.0
    jitter: float = 0.0
    attempt: int = 0

    def delay(self, attempt: int) -> float:
        """The delay before try number ``attempt + 1`` (1-based ``attempt``), without jitter."""
        return min(self.first * 2.0 ** max(attempt - 1, 0), self.maximum)

    def next_delay(self) -> float:
        self.attempt += 1
        delay = self.delay(self.attempt)
        if self.jitter:
            delay *= random.uniform(1 - self.jitter, 1 + self.jitter)  # noqa: S311 - jitter, not cryptography
        return delay

    def reset(self) -> None:
        self.attempt = 0


def _message_backoff() -> Backoff:
    return Backoff(maximum=timedelta(hours=2).total_seconds(), first=timedelta(minutes=1).total_seconds())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A message refused with a 4xx is tried again after 1, 2, 4, ... minutes (at most 2 hours) and
    counts as failed at its ``max_attempts``-th refusal. A relay that is away costs no attempt."""

    max_attempts: int
    backoff: Backoff = field(default_factory=_message_backoff)

    def gives_up(self, attempts: int) -> bool:
        """True when ``attempts`` refusals are the last this message gets."""
        return attempts >= self.max_attempts

    def next_attempt_at(self, attempts: int, now: datetime) -> datetime:
        return now + timedelta(seconds=self.backoff.delay(attempts))
