"""The subscriber export's fast path (``COPY`` on PostgreSQL) writes exactly what the csv module writes,
formula neutralisation included, and a download streams while its rows are still being produced."""

from __future__ import annotations

import threading
from collections.abc import Generator
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from kulturkluster.csv_cells import FORMULA_START
from kulturkluster.db import Database
from kulturkluster.web.staff.streaming import from_thread
from subscribers import csv_export, service, staff_actions
from subscribers.models import Channel, Status, Subscriber
from subscribers.service import Evidence

NAMES = [f"{start}cmd" for start in FORMULA_START] + [
    "",
    "Anna Å",
    'Sa "Sara" Ek, jr',
    "rad\r\nbrytning",
    "ensam\rvagnretur",
    "a=b",
    " mellanslag ",
]


def test_the_fast_export_writes_what_the_csv_module_writes(db: Database) -> None:
    evidence = Evidence(Channel.IMPORT, detail="test", actor="test")
    with db.unit_of_work() as session:
        for n, name in enumerate(NAMES):
            status = Status.UNSUBSCRIBED if n % 3 == 0 else Status.ACTIVE
            service.add(session, f"p{n:02d}@example.se", name, status, evidence)
        service.add(session, "=x@example.se", "Formel", Status.ACTIVE, evidence)
        session.flush()
        whole_second = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        session.execute(
            update(Subscriber).where(Subscriber.email == "p01@example.se").values(created_at=whole_second)
        )
    with db.unit_of_work() as session:
        for only in (None, Status.UNSUBSCRIBED, Status.BOUNCED):
            expected = "".join(staff_actions.export_lines(session, only))
            assert b"".join(csv_export.export_csv(session, only)).decode() == expected
    with db.unit_of_work() as session:
        text = b"".join(csv_export.export_csv(session)).decode()
    assert "\n'=x@example.se,Formel,active," in text
    assert "2026-03-01 12:00:00+00:00" in text


def test_a_download_streams_before_its_producer_is_done() -> None:
    first_sent = threading.Event()
    finished = threading.Event()

    def produce() -> Generator[bytes]:
        yield b"first"
        assert first_sent.wait(10), "the reader never got the first chunk"
        yield b"second"
        finished.set()

    chunks = from_thread(produce)
    assert next(chunks) == b"first"
    assert not finished.is_set()
    first_sent.set()
    assert list(chunks) == [b"second"]
    assert finished.is_set()


def test_a_failing_producer_fails_the_download_and_a_closed_one_stops_it() -> None:
    def failing() -> Generator[bytes]:
        yield b"a"
        raise RuntimeError("database gone")

    chunks = from_thread(failing)
    assert next(chunks) == b"a"
    with pytest.raises(RuntimeError, match="database gone"):
        next(chunks)

    stopped = threading.Event()

    def endless() -> Generator[bytes]:
        try:
            while True:
                yield b"x" * 1024
        finally:
            stopped.set()

    reader = from_thread(endless, depth=2)
    assert next(reader) == b"x" * 1024
    reader.close()  # the client went away
    assert stopped.wait(10)
