"""The loop of ``kulturkluster mailer run`` (and of ``serve``'s mailer thread): each round flushes the
outbox (``before_round``) and sends newsletter deliveries as the limits allow; it sleeps when there is
nothing.

Waits are interruptible (SIGTERM/Ctrl-C set ``stop``); a relay that is away, or a database that is
(a restart, a dropped connection), is retried with a growing pause (``mailer.retry.Backoff``) instead of
ending the loop, as the inbound runner does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import DBAPIError, DisconnectionError

from kulturkluster.db import utcnow

from .retry import Backoff
from .sender import CampaignSender, Round

log = logging.getLogger(__name__)

BEFORE_ROUND_EVERY = 1.0  # seconds


def run(
    sender: CampaignSender,
    stop: threading.Event,
    *,
    poll_interval: float,
    once: bool = False,
    before_round: Callable[[], object] | None = None,
    after_round: Callable[[Round], None] | None = None,
    max_backoff: float = 300.0,
    before_every: float = BEFORE_ROUND_EVERY,
) -> None:
    """Until ``stop`` (or, with ``once``, until nothing more can go right now).

    ``before_round`` runs before a round at most every ``before_every`` seconds: while a campaign sends,
    rounds follow each other every ~0.1 s, and the staff notices' and the outbox's queries before each
    were ~8 % of the CPU of every message sent."""
    backoff = Backoff(maximum=max_backoff, first=5.0)
    database = Backoff(maximum=max_backoff, first=1.0, jitter=0.2)
    sender.stopping = stop
    before_due = 0.0
    while not stop.is_set():
        try:
            if before_round is not None and time.monotonic() >= before_due:
                before_round()
                before_due = time.monotonic() + before_every
            result = sender.run_round()
            if after_round is not None:
                after_round(result)
        except (DBAPIError, DisconnectionError) as exc:  # the pool reconnects on the next round
            pause = database.next_delay()
            log.warning("database unavailable, pausing", extra={"error": str(exc)[:500], "seconds": pause})
            if once and database.attempt > 5:
                raise
            stop.wait(pause)
            continue
        database.reset()
        if result.relay_error:
            pause = backoff.next_delay()
            log.warning("relay unavailable, pausing", extra={"error": result.relay_error, "seconds": pause})
            if once:
                return
            stop.wait(pause)
            continue
        backoff.reset()
        wait = _seconds_until(result.wait_until, poll_interval)
        if wait <= 0:
            continue
        if once:
            return
        stop.wait(wait)


def _seconds_until(moment: datetime | None, poll_interval: float) -> float:
    if moment is None:
        return poll_interval
    return min(max((moment - utcnow()).total_seconds(), 0.0), poll_interval)
