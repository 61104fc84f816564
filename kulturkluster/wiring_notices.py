"""Mail the service writes itself: rendering, system mail (receipts, confirmations) and staff notices,
and flushing the outbox right after the commit that queued it; and the mailer loop's scheduled round.

Templates are rendered by Jinja2 and MJML, imported only when the first one is rendered (``mailer.render``):
the mailer loop runs the staff notices every round but renders only when one is due.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import date
from functools import cached_property

from sqlalchemy.exc import DBAPIError

from cases.notify_mail import Notifier, RunResult
from mailer.after_commit import Sending, send_after_commit
from mailer.outbox_delivery import FlushResult
from mailer.render import Renderer
from mailer.system_mail import SystemMailer
from subscribers import consent_days

from .db import utcnow
from .wiring_core import CoreServices

log = logging.getLogger(__name__)


class NoticeServices(CoreServices):
    _consent_days_folded: date | None = None

    @cached_property
    def renderer(self) -> Renderer:
        return Renderer()

    @cached_property
    def system_mailer(self) -> SystemMailer:
        return SystemMailer(
            self.settings.org, self.settings.public_url, self.renderer, self.outbox, self.tokens
        )

    @cached_property
    def notifier(self) -> Notifier:
        return Notifier(self.settings.org, self.settings.public_url, self.renderer, self.outbox, self.tokens)

    def run_notices(self, *, scheduled: bool = False) -> RunResult:
        """Mail the staff notices waiting (own transaction); ``scheduled`` adds reminders and summaries."""
        with self.db.unit_of_work() as session:
            if scheduled:
                return self.notifier.run_due(session, utcnow())
            return RunResult(notices=self.notifier.send_pending(session, utcnow()))

    def send_queued(self) -> FlushResult:
        """After a commit: the staff notices it made become mail, then the outbox is flushed."""
        try:
            self.run_notices()
        except DBAPIError:
            raise
        except Exception:  # committed: the mailer loop's next round sends them
            log.exception("sending staff notices failed")
        return self.flush_outbox()

    def scheduled_round(self) -> FlushResult:
        """The mailer loop's round (``serve``, ``mailer run``): reminders, notices and due summaries, once a
        day the consent log's past days folded, then the outbox."""
        try:
            self.run_notices(scheduled=True)
        except DBAPIError:
            raise
        except Exception:
            log.exception("the scheduled staff notices failed")
        self.fold_consent_days()
        return self.flush_outbox()

    def fold_consent_days(self) -> None:
        """Once a UTC day per process, what ``maintenance run`` also does: the report's per-day counts of
        the consent log folded to one row per day and change, so they stay small without anyone
        remembering to run it (on PostgreSQL every statement that writes events appends a row)."""
        today = utcnow().date()
        if self._consent_days_folded == today:
            return
        with self.db.unit_of_work() as session:
            folded = consent_days.compact(session, today)
        self._consent_days_folded = today
        log.info("consent log day counts folded", extra={"rows": folded})

    def sending(self) -> AbstractContextManager[Sending]:
        """Within this block a transaction that queued mail flushes the outbox right after its commit.

        The one place a process arranges it: the CLI around each command, the staff app around each request.
        """
        return send_after_commit(self.send_queued)
