"""The newsletter sender: one round starts due campaigns, sends what the limits allow, finishes the done.

The sending itself is the delivery engine's (``mailer.delivery``) over ``DeliveryStore``: several reused
connections (concurrency lanes), results committed in batches with each accepted message noted in a
journal first (``mailer.sent_journal``), so a kill repeats at most the messages that were in flight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from kulturkluster.db import Database, utcnow

from . import campaign_runs
from .campaign_models import Newsletter
from .delivery import DeliveryEngine
from .limits import Limits
from .newsletter_delivery import DeliveryClaim, DeliveryStore, RefusalHook, next_due
from .newsletter_mail import NewsletterMessages
from .relay_health import RelayHealth
from .retry import RetryPolicy
from .transport import Transport


@dataclass(frozen=True, slots=True)
class SenderConfig:
    limits: Limits
    retry: RetryPolicy
    concurrency: int = 2
    batch_size: int = 100
    lease: timedelta = timedelta(minutes=5)
    relay_pause_after: int = 5  # relay refusals in a row that pause a campaign
    # Results per commit, noted in journal files under ``journal_dir`` until then (``mailer.sent_journal``);
    # without a folder every result is committed by itself.
    result_batch: int = 50
    journal_dir: Path | None = None


@dataclass
class Round:
    """What one round did, and when the next one has work (None: nothing is waiting at all)."""

    sent: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: int = 0
    started: list[int] = field(default_factory=list)
    finished: list[int] = field(default_factory=list)
    wait_until: datetime | None = None
    relay_error: str | None = None

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.deferred


class CampaignSender:
    def __init__(
        self,
        db: Database,
        transport_factory: Callable[[], Transport],
        messages_for: Callable[[Newsletter], NewsletterMessages],
        config: SenderConfig,
        on_refused: RefusalHook | None = None,
    ) -> None:
        self.db = db
        self.config = config
        health = RelayHealth(config.relay_pause_after)
        self._store = DeliveryStore(
            db, messages_for, config.limits, config.lease, on_refused, health, config.journal_dir
        )
        self._transports = [transport_factory() for _ in range(config.concurrency)]
        self._engine: DeliveryEngine[DeliveryClaim] = DeliveryEngine(
            db, self._store, self._transports, config.retry, batch=config.result_batch
        )

    @property
    def stopping(self) -> threading.Event:
        """Set it to stop handing rows to the relay; the rest of a round's claim goes back to the queue."""
        return self._engine.stopping

    @stopping.setter
    def stopping(self, event: threading.Event) -> None:
        self._engine.stopping = event

    def run_round(self) -> Round:
        """Start due newsletters, claim what the limits allow, send it. Never raises for relay trouble."""
        self._store.recover()  # what a killed sender handed to the relay but did not record
        with self.db.unit_of_work() as session:
            started = campaign_runs.start_due(session)
        claimed = self._store.claim(self.config.batch_size)
        tally = self._engine.deliver(claimed)
        result = Round(
            tally.sent, tally.failed, tally.deferred, tally.skipped, started, relay_error=tally.relay_error
        )
        with self.db.unit_of_work() as session:
            result.finished = campaign_runs.finish_completed(session)
            result.wait_until = claimed.wait_until or (None if claimed.rows else next_due(session))
        if claimed.rows and result.wait_until is None:
            result.wait_until = utcnow()
        return result

    def close(self) -> None:
        self._engine.close()
        for transport in self._transports:
            transport.close()
