"""A lane's note of the deliveries the relay accepted but the database does not know yet.

The sender writes its results in batches (one UPDATE and one COMMIT per batch, not per message). To keep
the promise that a crash repeats at most the messages in flight, each accepted message is first noted
here: one ``write`` of one line to a file of its own (the kernel keeps it when the process is killed),
and the file is emptied when the batch is committed. Whoever starts a round next, in this process or
after a restart, finds the files whose lane is gone (no lock held on them) and records what they list
as sent before claiming anything, so those rows are never handed to the relay again.

A file lives under the data folder of the machine that sent. A worker on another machine that takes
over a dead worker's lease before that machine restarts its worker could repeat at most one unrecorded
batch (``KK_MAILER__RESULT_BATCH``); the default lease of five minutes leaves a restart time to recover.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar

from kulturkluster.db import utcnow

from .delivery import Outgoing

C = TypeVar("C")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Accepted:
    """One delivery the relay accepted."""

    delivery_id: int
    attempts: int  # counting this one
    message_id: str
    at: datetime

    def line(self) -> bytes:
        return f"{self.delivery_id} {self.attempts} {self.message_id} {self.at.timestamp():.6f}\n".encode()

    @classmethod
    def parse(cls, line: bytes) -> Accepted | None:
        parts = line.split()
        if len(parts) != 4:
            return None
        try:
            at = datetime.fromtimestamp(float(parts[3]), UTC)
            return cls(int(parts[0]), int(parts[1]), parts[2].decode("ascii"), at)
        except (ValueError, UnicodeDecodeError, OverflowError):
            return None


class LaneJournal:
    """One lane's file, locked while the lane lives; opened on the first note."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._path: Path | None = None
        self._fd: int | None = None

    def note(self, accepted: Accepted) -> None:
        if self._fd is None:
            self._open()
        assert self._fd is not None
        os.write(self._fd, accepted.line())

    def committed(self) -> None:
        """The batch is in the database: its notes are no longer needed."""
        if self._fd is not None:
            os.ftruncate(self._fd, 0)

    def close(self, *, clean: bool) -> None:
        """Done; ``clean``: everything noted was committed, so the file goes. Otherwise it stays for the
        next round to record (the lock goes with the descriptor)."""
        if self._fd is None:
            return
        if clean and self._path is not None:
            self._path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None

    def _open(self) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        name = f"{os.getpid()}-{secrets.token_hex(6)}"
        opening = self._directory / f"{name}.new"  # locked before ``recover`` can see it
        self._fd = os.open(opening, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self._path = opening.rename(self._directory / f"{name}.sent")


class ClaimJournal(Generic[C]):
    """A lane's ``LaneJournal`` as the delivery engine's ``ResultJournal``, for claims that name their row:
    ``row`` gives a claim's row id and its attempts before this one."""

    def __init__(self, lane: LaneJournal, row: Callable[[C], tuple[int, int]]) -> None:
        self._lane = lane
        self._row = row

    def note(self, claim: C, mail: Outgoing) -> None:
        row_id, attempts = self._row(claim)
        self._lane.note(Accepted(row_id, attempts + 1, mail.message_id, utcnow()))

    def committed(self) -> None:
        self._lane.committed()

    def close(self, *, clean: bool) -> None:
        self._lane.close(clean=clean)


def recover(directory: Path, record: Callable[[Sequence[Accepted]], None]) -> int:
    """Record what the journals of gone lanes list (``record`` commits), then remove them.

    Returns how many deliveries were listed. A file still locked belongs to a live lane and is left."""
    if not directory.is_dir():
        return 0
    listed = 0
    for path in sorted(directory.glob("*.sent")):
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:  # its lane finished meanwhile
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            with os.fdopen(os.dup(fd), "rb") as file:
                found = [a for a in map(Accepted.parse, file.read().splitlines()) if a is not None]
            if found:
                record(found)
                log.warning("recorded deliveries a stopped sender had sent", extra={"count": len(found)})
            listed += len(found)
            path.unlink(missing_ok=True)
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)
    return listed
