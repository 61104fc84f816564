"""The inbound loop: drain a source in batches, commit, file, answer; wait; reconnect with backoff."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy.exc import OperationalError

from mailer.retry import Backoff

from .parse_pool import Parsed, ParsePool, worth_a_worker
from .pipeline import Pipeline
from .sources.base import Item, Source, SourceUnavailable

log = logging.getLogger(__name__)


@dataclass
class RunStats:
    routes: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    batches: int = 0


@dataclass(frozen=True, slots=True)
class _Read:
    """A batch fetched from the source (``filed_known``: how many were filed at once, stored before),
    and its parse when a worker did it."""

    items: list[Item]
    filed_known: int
    parsed: Sequence[Parsed | None] = ()


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
            attempted.update(refs)
            chunks = [refs[start : start + self.batch_size] for start in range(0, len(refs), self.batch_size)]
            if len(chunks) >= 3 and worth_a_worker():
                with self.pipeline.parse_pool() as pool:
                    self._drain_parsing_ahead(chunks, pool)
            else:
                for chunk in chunks:
                    self._batch(self._read(chunk))
        self.on_health(self.source, None)
        return self.stats

    def _drain_parsing_ahead(self, chunks: list[list[str]], pool: ParsePool) -> None:
        """Many batches: each is fetched before the one ahead of it is handled, and a worker process
        parses it meanwhile, on the other core (``inbound.parse_pool``). Fetching ahead changes nothing
        at the source; nothing is filed before its batch has committed."""
        current = self._read(chunks[0])
        for following in chunks[1:]:
            upcoming = self._read(following)
            # Until the worker is up (a fresh interpreter) batches are parsed here, not waited for.
            parsing = pool.start([item.raw for item in upcoming.items]) if pool.ready() else None
            self._batch(current)
            current = replace(upcoming, parsed=parsing.result()) if parsing else upcoming
        self._batch(current)

    def _read(self, refs: list[str]) -> _Read:
        """Fetch a batch, filing at once what is stored already."""
        known = self.pipeline.known_refs(refs) if self.source.stable_refs else {}
        if known:
            self.source.file(list(known.items()))
        items = self.source.fetch([ref for ref in refs if ref not in known])
        return _Read(items, len(known))

    def _batch(self, read: _Read) -> None:
        outcomes = self.pipeline.process(read.items, read.parsed)
        self.source.file([(o.ref, o.route) for o in outcomes if o.ref is not None])
        self.stats.duplicates += read.filed_known
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
