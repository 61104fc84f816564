"""The inbound loop: drain a source in batches, commit, file, answer; wait; reconnect with backoff."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError

from mailer.retry import Backoff

from .pipeline import Pipeline
from .sources.base import Source, SourceUnavailable

log = logging.getLogger(__name__)


@dataclass
class RunStats:
    routes: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    batches: int = 0


HealthHook = Callable[[Source, str | None], None]


class Runner:
    def __init__(
        self,
        source: Source,
        pipeline: Pipeline,
        *,
        batch_size: int,
        after_batch: Callable[[], object] = lambda: None,
        on_health: HealthHook = lambda _source, _error: None,
        backoff: Backoff | None = None,
        also_read: Sequence[Callable[[], object]] = (),
    ) -> None:
        self.source = source
        self.pipeline = pipeline
        self.batch_size = batch_size
        self.after_batch = after_batch
        self.on_health = on_health
        self.backoff = backoff or Backoff(jitter=0.2)
        # Read after each round of the source: the Sent folder (inbound.sent_folder).
        self.also_read = also_read
        self.stats = RunStats()

    def drain(self) -> RunStats:
        """Handle everything waiting now. Raises SourceUnavailable if the source fails."""
        attempted: set[str] = set()
        while True:
            refs = [ref for ref in self.source.waiting() if ref not in attempted]
            if not refs:
                break
            for start in range(0, len(refs), self.batch_size):
                chunk = refs[start : start + self.batch_size]
                attempted.update(chunk)
                self._batch(chunk)
        self.on_health(self.source, None)
        return self.stats

    def _batch(self, refs: list[str]) -> None:
        known = self.pipeline.known_refs(refs) if self.source.stable_refs else {}
        if known:
            self.source.file(list(known.items()))
            self.stats.duplicates += len(known)
        items = self.source.fetch([ref for ref in refs if ref not in known])
        outcomes = self.pipeline.process(items)
        self.source.file([(o.ref, o.route) for o in outcomes if o.ref is not None])
        for outcome in outcomes:
            if outcome.duplicate:
                self.stats.duplicates += 1
            else:
                self.stats.routes[outcome.route.value] += 1
        self.stats.batches += 1
        self.after_batch()

    def run(self, stop: threading.Event, *, once: bool = False) -> RunStats:
        """Drain, wait for news, repeat until ``stop``; reconnect with backoff when the source fails.

        With ``once`` it drains what is waiting and returns, and a failing source raises.
        """
        while not stop.is_set():
            try:
                self.drain()
                for read in self.also_read:
                    read()
                self.after_batch()  # also when nothing arrived: answers waiting for a retry go out
                self.backoff.reset()
                if once:
                    break
                self.source.wait(stop)
            except (SourceUnavailable, OperationalError) as exc:
                # The mailbox or the database went away: both come back, so wait and try again.
                if isinstance(exc, SourceUnavailable):  # a database outage leaves the mailbox connection be
                    self.source.close()
                    self.on_health(self.source, str(exc))
                if once:
                    raise
                delay = self.backoff.next_delay()
                log.warning(
                    "mail source unavailable",
                    extra={"source": self.source.name, "error": str(exc), "retry_in": round(delay, 1)},
                )
                stop.wait(delay)
        return self.stats
