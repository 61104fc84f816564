"""The service itself, run in-process against the private test servers (for benchmarks)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from inbound.runner import RunStats
from kulturkluster.db import Database
from kulturkluster.settings import Settings
from kulturkluster.wiring import Services

from .dovecot import DEFAULT_USER, DEFAULT_USERS, DovecotServer


def drain_mailbox(
    server: DovecotServer, db: Database, data_dir: Path, **overrides: Any
) -> tuple[RunStats, float]:
    """``kulturkluster inbound run --once`` against ``server``'s INBOX; returns the run's stats and seconds.

    Answers go to a Maildir outbox under ``data_dir``.
    """
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": db.url,
        "secret_key": "bench-secret",
        "org": {"address": "kulturkluster@kulturkluster.test"},
        "inbound": {"source": "imap"},
        "imap": {
            "host": server.host,
            "port": server.port,
            "username": DEFAULT_USER,
            "password": DEFAULT_USERS[DEFAULT_USER],
            "security": "none",
        },
    }
    values.update(overrides)
    services = Services(settings=Settings(**values), db=db)
    runner = services.make_runner(services.make_source())
    started = time.perf_counter()
    try:
        stats = runner.run(threading.Event(), once=True)
    finally:
        runner.source.close()
        services.close()
    return stats, time.perf_counter() - started
