"""Which background workers of ``serve`` have died, so ``/healthz`` can say so and ``serve`` can exit.

A worker that dies silently leaves a process that looks alive (the web pages still answer) while nothing
is sent; Docker or systemd only restart a process that exits or fails its health check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class WorkerHealth:
    """Thread-safe record of dead workers: name -> what killed it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._dead: dict[str, str] = {}
        self._watched: set[str] = set()

    def died(self, name: str, error: str) -> None:
        with self._lock:
            self._dead[name] = error

    def dead(self) -> dict[str, str]:
        with self._lock:
            return dict(self._dead)

    def status(self) -> dict[str, bool]:
        """Every watched worker: True while it runs, False once it died."""
        with self._lock:
            return {name: name not in self._dead for name in self._watched}

    def watched(
        self, name: str, target: Callable[[], object], on_death: Callable[[], None]
    ) -> Callable[[], None]:
        """``target`` run so that an exception marks ``name`` dead and calls ``on_death``."""
        with self._lock:
            self._watched.add(name)

        def run() -> None:
            try:
                target()
            except (Exception, SystemExit) as exc:  # uvicorn exits with SystemExit when it cannot bind
                log.exception("worker died", extra={"worker": name})
                self.died(name, f"{type(exc).__name__}: {exc}"[:500])
                on_death()

        return run
