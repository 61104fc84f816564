"""Parsing large messages in a separate process with a time limit.

A 30 MB message or a pathological MIME tree must not hold up the mail behind it: messages above a size
are parsed in a worker process, and one that takes longer than the limit is given up (the worker is
killed) and quarantined. Small messages, nearly all of them, are parsed in-process.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.pool

from kulturkluster.errors import ErrorKind, KulturklusterError

from .message import ParsedMail
from .parse import parse


class ParseTimeout(KulturklusterError):
    """Parsing a message took longer than the limit."""

    kind = ErrorKind.INVALID


class IsolatedParser:
    def __init__(self, threshold_bytes: int, timeout_seconds: float) -> None:
        self.threshold_bytes = threshold_bytes
        self.timeout_seconds = timeout_seconds
        self._pool: multiprocessing.pool.Pool | None = None

    def parse(self, raw: bytes) -> ParsedMail:
        if len(raw) < self.threshold_bytes:
            return parse(raw)
        if self._pool is None:
            self._pool = multiprocessing.get_context("spawn").Pool(processes=1)
        pending = self._pool.apply_async(parse, (raw,))
        try:
            return pending.get(timeout=self.timeout_seconds)
        except multiprocessing.TimeoutError as exc:
            self.close()  # the only way to stop the stuck worker
            raise ParseTimeout(
                f"parsing this {len(raw)}-byte message took more than {self.timeout_seconds:g} s"
            ) from exc

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.terminate()
            pool.join()
