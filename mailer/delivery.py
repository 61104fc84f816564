"""The one delivery loop: claim due rows, send them over the transports, record the results, release the rest.

Both kinds of outgoing mail go through it: single answers (receipts, welcomes, case replies; the outbox)
and newsletter deliveries. What differs between them is behind ``Store``: how due rows are claimed (with a
lease, ``status = sending`` until ``next_attempt_at``, so a dead worker's rows are taken over later), how
the bytes for a claimed row are built, and how a result is written. What is the same is here:

* a crash repeats at most the messages in flight: a store without a journal commits every result by
  itself; with one (``Store.journal``, the newsletter deliveries) each accepted message is noted in the
  lane's journal file at once and the results are committed in batches of ``batch`` (one UPDATE, one
  COMMIT), the journal emptied after each; on PostgreSQL without waiting for the WAL flush (only a crash
  of PostgreSQL itself could lose the last few results);
* a 5xx about the recipient fails the message; a 5xx about us (``RelayRefused``: the sender, policy,
  size; ``mailer.smtp_faults``) is charged to nobody: the store keeps it for later and may stop sending;
  a 4xx defers it with the retry policy's backoff (failed at its last attempt),
  and a relay that is unwell (no answer, lost connection, 421) costs nobody an attempt: the row in hand
  and every row not yet sent go back to the queue at once;
* with several transports the claimed rows are split into lanes, one reused connection each; SQLite has
  one writer at a time, so the lanes take turns on a lock to write their results.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Concatenate, Generic, ParamSpec, Protocol, TypeVar, cast

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, DisconnectionError

from kulturkluster.db import Database, utcnow

from .retry import Backoff, RetryPolicy
from .transport import DeliveryError, PermanentFailure, RelayRefused, TemporaryFailure, Transport

log = logging.getLogger(__name__)
_WRITE_ATTEMPTS = 30  # about a quarter of an hour of waiting for the database, then the lease takes over

C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)
P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """The bytes to hand to the relay for one claimed row, and the SMTP envelope."""

    raw: bytes
    sender: str
    recipient: str
    message_id: str = ""  # without <>

    def handed_over(self) -> Outgoing:
        """What is kept of a message the relay accepted until its result is committed: not its bytes
        (a batch of 50 results on each of 4 lanes held ~8 MB of them)."""
        return Outgoing(b"", self.sender, self.recipient, self.message_id)


@dataclass(slots=True)
class Claimed(Generic[C]):
    """What one claim took: the rows to send now, rows dropped without sending, and, when the relay's
    limits allow nothing now, the moment they will."""

    rows: list[C] = field(default_factory=list)
    skipped: int = 0
    wait_until: datetime | None = None


@dataclass(slots=True)
class Tally:
    """What a run of the engine did."""

    sent: int = 0
    deferred: int = 0
    failed: int = 0
    skipped: int = 0
    relay_refused: int = 0  # refused for a reason about us: kept for later, nobody charged
    relay_error: str | None = None  # the relay was unwell: the rest waits for the next run

    def add(self, other: Tally) -> None:
        self.sent += other.sent
        self.relay_refused += other.relay_refused
        self.deferred += other.deferred
        self.failed += other.failed
        self.skipped += other.skipped
        self.relay_error = self.relay_error or other.relay_error


class ResultJournal(Protocol[C_contra]):
    """Where a lane notes each accepted message until its batch is committed (``mailer.sent_journal``)."""

    def note(self, claim: C_contra, mail: Outgoing) -> None: ...

    def committed(self) -> None: ...

    def close(self, *, clean: bool) -> None: ...


class Store(Protocol[C]):
    """One table of outgoing mail, as the engine needs it. Record methods write on ``conn`` without
    committing (the engine commits each result); ``failed`` may use a transaction of its own."""

    def claim(self, limit: int) -> Claimed[C]:
        """Lease up to ``limit`` due rows in one short transaction of its own."""
        ...

    def attempts(self, claim: C) -> int:
        """How many times this row was refused or sent before this try."""
        ...

    def build(self, claim: C) -> Outgoing: ...

    def sent(self, conn: Connection, done: Sequence[tuple[C, Outgoing]]) -> None:
        """The relay accepted these (one statement for all where it can); their bytes are not kept
        (``Outgoing.handed_over``)."""
        ...

    def journal(self) -> ResultJournal[C] | None:
        """A new lane's journal, or None: then every result is committed by itself."""
        ...

    def deferred(
        self, conn: Connection, claim: C, error: TemporaryFailure, attempts: int, retry_at: datetime
    ) -> None: ...

    def failed(self, conn: Connection, claim: C, error: DeliveryError, attempts: int, mail: Outgoing) -> None:
        """Refused for good (a 5xx, or the last attempt of 4xx): it is not tried again."""
        ...

    def release(self, conn: Connection, claims: Sequence[C]) -> None:
        """Back to the queue, due now, no attempt counted."""
        ...

    def relay_refused(
        self, conn: Connection, claim: C, error: RelayRefused, attempts: int, retry_at: datetime
    ) -> bool:
        """The relay refused this message for a reason about us: keep it for ``retry_at``, charge nobody.
        True stops sending (the campaign paused itself); the engine then puts the rest back."""
        ...


def relay_level(error: TemporaryFailure) -> bool:
    """Lost connection, unreachable relay, 421 "closing": the relay is unwell, not this one address."""
    return error.code is None or error.code == 421


class DeliveryEngine(Generic[C]):
    """Sends what ``store`` claims over ``transports`` (one lane each). The caller owns the transports."""

    def __init__(
        self,
        db: Database,
        store: Store[C],
        transports: Sequence[Transport],
        retry: RetryPolicy,
        batch: int = 1,
    ) -> None:
        self.db = db
        self.store = store
        self.retry = retry
        self.batch = batch  # results per commit, when the store keeps a journal
        self._transports = list(transports)
        self._pool = (
            ThreadPoolExecutor(len(self._transports), thread_name_prefix="kk-sender")
            if len(self._transports) > 1
            else None
        )
        self.stopping = threading.Event()
        self._writing: AbstractContextManager[object] = (
            threading.Lock() if db.dialect == "sqlite" else nullcontext()
        )

    def run(self, limit: int) -> Tally:
        """Claim up to ``limit`` rows and send them. Never raises for relay trouble."""
        return self.deliver(self.store.claim(limit))

    def deliver(self, claimed: Claimed[C]) -> Tally:
        """Send rows the store claimed; results are committed as they come in (sent ones in batches)."""
        result = Tally(skipped=claimed.skipped)
        if claimed.rows:
            self._send(claimed.rows, result)
        return result

    def close(self) -> None:
        self.stopping.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _send(self, claimed: list[C], result: Tally) -> None:
        relay_down = threading.Event()
        if self._pool is None:
            result.add(self._lane(self._transports[0], claimed, relay_down))
            return
        count = len(self._transports)
        lanes = [claimed[i::count] for i in range(count)]
        futures = [
            self._pool.submit(self._lane, transport, lane, relay_down)
            for transport, lane in zip(self._transports, lanes, strict=True)
            if lane
        ]
        for future in futures:
            result.add(future.result())

    def _lane(self, transport: Transport, lane: list[C], relay_down: threading.Event) -> Tally:
        journal = self.store.journal() if self.batch > 1 else None
        results = _Results(self._write, self.store.sent, self.batch, journal)
        try:
            with self._connection() as conn:
                self._send_lane(conn, transport, lane, relay_down, results)
                results.flush(conn)
        except BaseException:
            if journal is not None:
                journal.close(clean=False)  # what it lists is recorded by the next round
            raise
        if journal is not None:
            journal.close(clean=True)
        return results.tally

    def _send_lane(
        self,
        conn: Connection,
        transport: Transport,
        lane: list[C],
        relay_down: threading.Event,
        results: _Results[C],
    ) -> None:
        result = results.tally
        write = results.write
        for position, claim in enumerate(lane):
            if relay_down.is_set() or self.stopping.is_set():
                write(conn, self.store.release, lane[position:])
                break
            mail = self.store.build(claim)
            attempts = self.store.attempts(claim) + 1
            try:
                transport.send(mail.raw, mail.sender, [mail.recipient])
            except RelayRefused as exc:  # about us: nobody charged, nobody scored
                result.relay_refused += 1
                retry_at = self.retry.next_attempt_at(attempts, utcnow())
                if write(conn, self.store.relay_refused, claim, exc, attempts, retry_at):
                    relay_down.set()
                    write(conn, self.store.release, lane[position + 1 :])
                    break
            except PermanentFailure as exc:
                write(conn, self.store.failed, claim, exc, attempts, mail)
                result.failed += 1
            except TemporaryFailure as exc:
                if relay_level(exc):  # not this recipient's fault: no attempt counted, nobody scored
                    relay_down.set()
                    result.relay_error = str(exc)
                    write(conn, self.store.release, lane[position:])
                    break
                if self.retry.gives_up(attempts):
                    write(conn, self.store.failed, claim, exc, attempts, mail)
                    result.failed += 1
                else:
                    retry_at = self.retry.next_attempt_at(attempts, utcnow())
                    write(conn, self.store.deferred, claim, exc, attempts, retry_at)
                    result.deferred += 1
            else:
                results.accepted(conn, claim, mail)
                result.sent += 1

    def _write(
        self,
        conn: Connection,
        record: Callable[Concatenate[Connection, P], R],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        """Record a result; a database that went away is waited for, since the relay already has the
        message: giving up here would leave the row leased and send it a second time later."""
        backoff = Backoff(maximum=60.0, first=0.5, jitter=0.2)
        while True:
            try:
                with self._writing:
                    done = record(conn, *args, **kwargs)
                    conn.commit()
                    return done
            except (DBAPIError, DisconnectionError) as exc:
                if not _disconnected(exc) or backoff.attempt >= _WRITE_ATTEMPTS:
                    raise
                log.warning("database connection lost while recording a result, retrying")
                with contextlib.suppress(DBAPIError):
                    conn.rollback()  # an invalidated connection reconnects on its next use
                time.sleep(backoff.next_delay())

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        with self.db.engine.connect() as conn:
            postgres = conn.dialect.name == "postgresql"
            if (
                postgres
            ):  # each result is still its own commit; only a PostgreSQL crash could lose the last few
                conn.exec_driver_sql("SET synchronous_commit TO OFF")
                conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                if postgres:
                    conn.exec_driver_sql("RESET synchronous_commit")
                    conn.commit()


class _Results(Generic[C]):
    """One lane's results on their way to the database: accepted messages wait for a full batch (noted
    in the journal meanwhile); any other result first writes the waiting ones, so the order holds."""

    def __init__(
        self,
        write: Callable[..., object],
        sent: Callable[[Connection, Sequence[tuple[C, Outgoing]]], None],
        batch: int,
        journal: ResultJournal[C] | None,
    ) -> None:
        self.tally = Tally()
        self._write, self._sent, self._batch, self._journal = write, sent, batch, journal
        self._waiting: list[tuple[C, Outgoing]] = []

    def accepted(self, conn: Connection, claim: C, mail: Outgoing) -> None:
        if self._journal is None:
            self._write(conn, self._sent, [(claim, mail)])
            return
        self._journal.note(claim, mail)
        self._waiting.append((claim, mail.handed_over()))
        if len(self._waiting) >= self._batch:
            self.flush(conn)

    def flush(self, conn: Connection) -> None:
        if self._waiting:
            self._write(conn, self._sent, self._waiting)
            self._waiting = []
            if self._journal is not None:
                self._journal.committed()

    def write(self, conn: Connection, record: Callable[..., R], *args: object) -> R:
        self.flush(conn)
        return cast(R, self._write(conn, record, *args))


def _disconnected(exc: Exception) -> bool:
    """A lost connection (restart, terminated backend), not an error in what we wrote."""
    return isinstance(exc, DisconnectionError) or bool(getattr(exc, "connection_invalidated", False))
