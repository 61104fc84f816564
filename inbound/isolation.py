"""Parsing large messages in a separate process with a time limit and little memory.

A 30 MB message or a pathological MIME tree must not hold up the mail behind it, and a 50 MB one must
not need hundreds of MB: messages above a size are written to a file in the spool folder and parsed by
``python -m inbound.parse_worker`` (a fresh interpreter that imports only the parser), which writes big
attachments to files beside it; the pipeline adopts those into the attachment store by a rename and
removes what it did not adopt (``discard_spooled``). A worker that takes longer than the limit is killed
and the message quarantined. Small messages, nearly all of them, are parsed in-process.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kulturkluster.errors import ErrorKind, KulturklusterError

from .message import ParsedMail
from .parse import UnparseableMail, parse

_STALE_SECONDS = 3600  # spool files left by a crash: no parse takes this long


class ParseTimeout(KulturklusterError):
    """Parsing a message took longer than the limit."""

    kind = ErrorKind.INVALID


class ParseWorkerFailed(KulturklusterError):
    """The parse worker process died or answered nonsense (out of memory, killed, a bug)."""

    kind = ErrorKind.UNAVAILABLE


class IsolatedParser:
    def __init__(self, threshold_bytes: int, timeout_seconds: float, spool_dir: Path | None = None) -> None:
        self.threshold_bytes = threshold_bytes
        self.timeout_seconds = timeout_seconds
        self.spool_dir = spool_dir or Path(tempfile.gettempdir()) / "kulturkluster-spool"
        self._swept = False

    def parse(self, raw: bytes) -> ParsedMail:
        if len(raw) < self.threshold_bytes:
            return parse(raw)
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        if not self._swept:
            self._sweep()
        with tempfile.NamedTemporaryFile(dir=self.spool_dir, prefix="in-") as handle:
            handle.write(raw)
            handle.flush()
            command = [sys.executable, "-m", "inbound.parse_worker", handle.name, str(self.spool_dir)]
            try:
                done = subprocess.run(command, capture_output=True, timeout=self.timeout_seconds, check=False)
            except subprocess.TimeoutExpired as exc:  # run() has killed the worker
                raise ParseTimeout(
                    f"parsing this {len(raw)}-byte message took more than {self.timeout_seconds:g} s"
                ) from exc
        return _result(done)

    def close(self) -> None:
        """Nothing stays running between messages; kept for the callers that tidy up."""

    def _sweep(self) -> None:
        cutoff = time.time() - _STALE_SECONDS
        for leftover in self.spool_dir.iterdir():
            if leftover.is_file() and leftover.stat().st_mtime < cutoff:
                leftover.unlink(missing_ok=True)
        self._swept = True


def discard_spooled(mail: ParsedMail | None) -> None:
    """Remove the files of ``mail``'s spooled attachments that were not adopted into the store."""
    for attachment in mail.attachments if mail is not None else ():
        if attachment.spooled is not None:
            Path(attachment.spooled.path).unlink(missing_ok=True)


def _result(done: subprocess.CompletedProcess[bytes]) -> ParsedMail:
    if done.returncode != 0:
        last = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {done.returncode}"]
        raise ParseWorkerFailed(f"the parse worker failed: {last[0]}")
    try:
        status, value = pickle.loads(done.stdout)  # noqa: S301 - our own worker's answer over a pipe
    except Exception as exc:
        raise ParseWorkerFailed(f"the parse worker's answer could not be read: {exc}") from exc
    if status == "unparseable":
        raise UnparseableMail(str(value))
    if not isinstance(value, ParsedMail):
        raise ParseWorkerFailed(f"the parse worker answered {type(value).__name__}")
    return value
