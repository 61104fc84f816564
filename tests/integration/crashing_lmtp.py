"""Runs ``kulturkluster inbound run`` with ``KK_INBOUND__SOURCE=lmtp`` and kills itself with SIGKILL while a
delivery is in flight:

    python -m tests.integration.crashing_lmtp before_commit|after_commit

``before_commit``: the message was received but not stored; ``after_commit``: stored, but the 250 was never
sent. Either way Postfix delivers again, and the message must end up stored exactly once.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence

from inbound.parse_pool import Parsed
from inbound.pipeline import Pipeline
from inbound.sources.base import Item, Outcome
from kulturkluster.cli import main


def _install(point: str) -> None:
    process = Pipeline.process

    def process_and_die(
        self: Pipeline, items: Sequence[Item], parsed: Sequence[Parsed | None] = ()
    ) -> list[Outcome]:
        if point == "after_commit":
            process(self, items, parsed)
        elif point != "before_commit":
            raise SystemExit(f"unknown crash point {point!r}")
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")

    Pipeline.process = process_and_die  # type: ignore[method-assign]


if __name__ == "__main__":
    _install(sys.argv[1])
    sys.argv = ["kulturkluster", "inbound", "run"]
    main()
