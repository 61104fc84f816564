"""Parsing the next batch in a worker process while this one handles the current (``inbound.runner``).

Parsing is a sixth of the inbound pipeline's CPU and needs nothing but the bytes, so when a drain has
several batches a spawned worker parses each batch (its messages under the isolation threshold) on
another core and hands back the ``ParsedMail`` objects, pickled: ~15 µs a message to read back against
~180 µs to parse. The worker imports only the parser, holds no database connection and changes nothing,
so the crash-safety of the pipeline is untouched: a worker that dies means those messages are parsed
here, as they would be without it. Big messages keep their own isolated parse (``inbound.isolation``).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from .message import ParsedMail
from .parse import UnparseableMail, parse

log = logging.getLogger(__name__)

# What parsing one message gave: the mail, or None and why not.
Parsed = tuple[ParsedMail | None, str | None]


def failure_reason(exc: Exception) -> str:
    """Why a message could not be parsed, as the quarantine shows it."""
    if isinstance(exc, UnparseableMail):
        return f"not an email message: {exc}"
    return f"parser failed: {type(exc).__name__}: {exc}"


def parse_many(raws: Sequence[bytes]) -> list[tuple[ParsedMail | None, str | None, bool]]:
    """In the worker: each message parsed, or why not (and whether the parser itself broke)."""
    results: list[tuple[ParsedMail | None, str | None, bool]] = []
    for raw in raws:
        try:
            results.append((parse(raw), None, False))
        except Exception as exc:  # the parser must never stop the pipeline
            results.append((None, failure_reason(exc), not isinstance(exc, UnparseableMail)))
    return results


def worth_a_worker() -> bool:
    """A worker only pays where it gets a core of its own."""
    return len(os.sched_getaffinity(0)) > 1 if hasattr(os, "sched_getaffinity") else False


class ParsePool:
    """One worker process for one drain (``with``): spawned, not forked, as the caller has threads."""

    def __init__(self, below_bytes: int) -> None:
        self.below_bytes = below_bytes  # bigger messages are left to the caller
        self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self._broken = False
        self._started = self._executor.submit(int)  # the worker starts now (a fresh interpreter: ~0.3 s)

    def __enter__(self) -> ParsePool:
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _exc: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def ready(self) -> bool:
        """The worker is up (until then the caller parses its batches itself, instead of waiting)."""
        return self._started.done() and not self._broken

    def start(self, raws: Sequence[bytes]) -> PendingParse:
        """Have the worker parse these messages (those under the size limit) while the caller goes on."""
        wanted = [i for i, raw in enumerate(raws) if len(raw) < self.below_bytes]
        future = None
        if wanted and not self._broken:
            try:
                future = self._executor.submit(parse_many, [raws[i] for i in wanted])
            except BrokenProcessPool as exc:
                self.stopped(exc)
        return PendingParse(self, len(raws), wanted, future)

    def stopped(self, exc: BaseException) -> None:
        """The worker died (killed, out of memory): the rest of the drain is parsed in this process."""
        if not self._broken:
            log.warning("the parse worker stopped; parsing in this process", extra={"error": str(exc)})
        self._broken = True

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)  # the worker exits by itself


class PendingParse:
    """A batch the worker is parsing; ``result`` waits for it."""

    def __init__(
        self,
        pool: ParsePool,
        count: int,
        wanted: list[int],
        future: Future[list[tuple[ParsedMail | None, str | None, bool]]] | None,
    ) -> None:
        self._pool, self._count, self._wanted, self._future = pool, count, wanted, future

    def result(self) -> list[Parsed | None]:
        """Per message its parse, or None where the caller parses it (too big, or the worker is gone)."""
        results: list[Parsed | None] = [None] * self._count
        if self._future is None:
            return results
        try:
            answers = self._future.result()
        except BrokenProcessPool as exc:
            self._pool.stopped(exc)
            return results
        for i, (mail, reason, crashed) in zip(self._wanted, answers, strict=True):
            if crashed:
                log.error("parser failed", extra={"reason": reason})
            results[i] = (mail, reason)
        return results
