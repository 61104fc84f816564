"""Runs ``kulturkluster inbound run --once`` and kills itself with SIGKILL at a chosen moment.

    python -m tests.integration.crashing_cli after_fetch|after_commit

A real process dies the way a power cut or ``kill -9`` would kill it: no finally blocks, no cleanup.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from inbound.parse_pool import Parsed
from inbound.pipeline import Pipeline
from inbound.sources.base import Item, Outcome
from inbound.sources.imap import ImapSource
from kulturkluster.cli import main


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _install(point: str) -> None:
    if point == "after_fetch":
        fetch = ImapSource.fetch

        def fetch_then_die(self: ImapSource, refs: Sequence[str]) -> list[Item]:
            fetch(self, refs)
            _die()
            raise AssertionError("unreachable")

        ImapSource.fetch = fetch_then_die  # type: ignore[method-assign]
    elif point == "after_commit":
        process = Pipeline.process

        def process_then_die(
            self: Pipeline, items: Sequence[Item], parsed: Sequence[Parsed | None] = ()
        ) -> list[Outcome]:
            process(self, items, parsed)  # committed
            _die()
            raise AssertionError("unreachable")

        Pipeline.process = process_then_die  # type: ignore[method-assign]
    else:
        raise SystemExit(f"unknown crash point {point!r}")


if __name__ == "__main__":
    _install(sys.argv[1])
    sys.argv = ["kulturkluster", "inbound", "run", "--once"]
    main()
