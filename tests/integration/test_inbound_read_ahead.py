"""Draining three batches or more, the runner fetches each batch before handling the one ahead of it, and
a worker process parses it meanwhile (``inbound.parse_pool``). Against a real Dovecot: nothing is filed
before its batch is committed, the worker's parses are used, and a failure at the source stops the drain
without losing or repeating anything."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from inbound.classify import Route
from inbound.models import InboundMessage
from inbound.parse_pool import Parsed, ParsePool, worth_a_worker
from inbound.sources.base import Item, Source, SourceUnavailable
from kulturkluster.db import Database
from kulturkluster.wiring import Services
from tests.integration.imap_helpers import append, folder_counts, imap_env, imap_overrides, run_service
from tests.integration.test_imap import drain_once
from tests.integration.test_pipeline import make_mail
from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import SmtpServer

pytestmark = pytest.mark.integration
Factory = Callable[..., Services]


class Watched:
    """The real IMAP source, with a log of what was asked of it, from which thread, and whether two
    commands ever ran at once; ``fail_file`` makes the given call of ``file`` fail as a lost connection."""

    def __init__(self, source: Source, svc: Services, fail_file: int | None = None) -> None:
        self._source = source
        self._svc = svc
        self._busy = threading.Lock()
        self.fail_file = fail_file
        self.log: list[tuple[str, int]] = []
        self.overlapped = False
        self.filed_uncommitted: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._source, name)

    def _enter(self) -> None:
        if not self._busy.acquire(blocking=False):
            self.overlapped = True
            self._busy.acquire()

    def fetch(self, refs: Sequence[str]) -> list[Item]:
        self._enter()
        try:
            self.log.append(("fetch", len(refs)))
            return self._source.fetch(refs)
        finally:
            self._busy.release()

    def file(self, filed: Sequence[tuple[str, Route]]) -> None:
        self._enter()
        try:
            calls = sum(1 for kind, _n in self.log if kind == "file")
            self.log.append(("file", len(filed)))
            if self.fail_file == calls:
                raise SourceUnavailable("IMAP: the connection was lost")
            with self._svc.db.unit_of_work() as session:  # another connection sees committed rows only
                stored = set(session.scalars(select(InboundMessage.source_ref)))
            self.filed_uncommitted += [ref for ref, _route in filed if ref not in stored]
            self._source.file(filed)
        finally:
            self._busy.release()


def _questions(n: int) -> list[bytes]:
    return [
        make_mail(f"Fråga {i}", sender=f"aktor{i}@example.se", message_id=f"q{i}@example.se")
        for i in range(n)
    ]


def _filled(
    factory: Factory, dovecot: DovecotServer, smtp: SmtpServer, batch_size: int, questions: int
) -> Services:
    """Services reading the test mailbox in batches of ``batch_size``, which holds ``questions`` questions."""
    overrides = imap_overrides(dovecot, smtp)
    overrides["inbound"]["batch_size"] = batch_size
    svc = factory(**overrides)
    append(dovecot, *_questions(questions))
    return svc


def test_batches_are_read_ahead_parsed_by_the_worker_and_filed_only_after_their_commit(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    svc = _filled(services_factory, dovecot, smtp, batch_size=3, questions=10)
    parsed_here: list[bytes] = []
    parse = svc.pipeline.parse

    def counting_parse(raw: bytes) -> Parsed:
        parsed_here.append(raw)
        return parse(raw)

    svc.pipeline.parse = counting_parse  # type: ignore[method-assign]
    make_pool = svc.pipeline.parse_pool

    def started_pool() -> ParsePool:  # a drain this small would be over before the worker is up
        pool = make_pool()
        deadline = time.monotonic() + 30
        while not pool.ready() and time.monotonic() < deadline:
            time.sleep(0.02)
        return pool

    svc.pipeline.parse_pool = started_pool  # type: ignore[method-assign]
    source = Watched(svc.make_source(), svc)
    stats = drain_once(svc, svc.make_runner(source))
    assert dict(stats.routes) == {"new_case": 10} and stats.batches == 4
    assert folder_counts(dovecot) == {"Behandlat/Ärenden": 10}
    # Each batch was fetched before the one ahead of it was filed.
    fetch, file = "fetch", "file"
    assert source.log == [
        (fetch, 3),
        (fetch, 3),
        (file, 3),
        (fetch, 3),
        (file, 3),
        (fetch, 1),
        (file, 3),
        (file, 1),
    ]
    assert not source.overlapped
    assert source.filed_uncommitted == []
    if worth_a_worker():  # the first batch is parsed here while the worker starts; the rest by it
        assert len(parsed_here) == 3
    assert sorted(r.recipients[0] for r in smtp.handler.received) == sorted(
        f"aktor{i}@example.se" for i in range(10)
    )  # one receipt each


def test_a_failed_move_stops_the_drain_and_the_next_one_files_without_answering_twice(
    services_factory: Factory, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    svc = _filled(services_factory, dovecot, smtp, batch_size=2, questions=7)
    failing = Watched(svc.make_source(), svc, fail_file=1)  # the second batch's MOVE, the third fetched
    with pytest.raises(SourceUnavailable, match="connection was lost"):
        drain_once(svc, svc.make_runner(failing))
    with svc.db.unit_of_work() as session:
        handled = session.scalar(select(func.count()).select_from(InboundMessage)) or 0
    assert handled == 4  # the failing batch was committed; the one fetched after it was not handled
    stats = drain_once(svc)
    assert folder_counts(dovecot) == {"Behandlat/Ärenden": 7}
    assert stats.duplicates == 2  # the batch whose MOVE failed: filed from the database's record
    with svc.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 7
    # One receipt each, the failed batch's included (its answers were queued with its commit): none twice.
    assert sorted(r.recipients[0] for r in smtp.handler.received) == sorted(
        f"aktor{i}@example.se" for i in range(7)
    )


def test_the_service_command_drains_many_batches_with_its_worker(
    db: Database, dovecot: DovecotServer, smtp: SmtpServer
) -> None:
    """The real entry point, in its own process: the spawned worker starts from it (and does not run the
    command again), and every message is handled, filed and answered once."""
    append(dovecot, *_questions(9))
    env = {**imap_env(dovecot, smtp, db.url), "KK_INBOUND__BATCH_SIZE": "2"}
    done = run_service(["-m", "kulturkluster.cli", "inbound", "run", "--once"], env)
    assert done.returncode == 0, done.stderr
    assert "parse worker stopped" not in done.stderr and "Traceback" not in done.stderr  # the worker's too
    assert folder_counts(dovecot) == {"Behandlat/Ärenden": 9}
    with db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 9
    assert sorted(r.recipients[0] for r in smtp.handler.received) == sorted(
        f"aktor{i}@example.se" for i in range(9)
    )
