"""The mailer loop: the work before a round (staff notices, the outbox) is not repeated every round."""

from __future__ import annotations

import threading

import pytest

from kulturkluster.db import utcnow
from mailer import worker
from mailer.sender import Round


class BusySender:
    """Every round sends something and says more is due now, until ``rounds`` have run."""

    def __init__(self, rounds: int, stop: threading.Event) -> None:
        self.rounds, self.stop = rounds, stop
        self.ran = 0
        self.stopping = threading.Event()

    def run_round(self) -> Round:
        self.ran += 1
        if self.ran >= self.rounds:
            self.stop.set()
        return Round(sent=200, wait_until=utcnow())


@pytest.mark.parametrize(("every", "expected"), [(3600.0, 1), (0.0, 10)])
def test_the_work_before_a_round_runs_at_most_every_so_often(every: float, expected: int) -> None:
    stop = threading.Event()
    sender = BusySender(10, stop)
    calls: list[int] = []
    worker.run(
        sender,  # type: ignore[arg-type]
        stop,
        poll_interval=1.0,
        before_round=lambda: calls.append(sender.ran),
        before_every=every,
    )
    assert sender.ran == 10
    assert len(calls) == expected and calls[0] == 0  # the first round always has it first
