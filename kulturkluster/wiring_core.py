"""The parts every process needs: settings, database, signed tokens, the SMTP transport and the outbox.

``kulturkluster.wiring`` composes the whole service from this and the focused parts beside it
(``wiring_notices``, ``wiring_sending``, ``wiring_inbound``). Each module imports only what its parts
use, so a process that builds only some of them (``mailer run``: ``wiring_sending``) loads only those.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from mailer.limits import Limits
from mailer.links import PublicLinks
from mailer.outbox import Outbox
from mailer.outbox_delivery import FlushResult, flush
from mailer.retry import RetryPolicy
from mailer.transport import Transport, make_transport
from subscribers.tokens import ReturnPaths, TokenSigner

from .db import Database
from .settings import Settings

if TYPE_CHECKING:
    from mailer.dkim_sign import DkimSigner


@dataclass
class CoreServices:
    settings: Settings
    db: Database
    _transport: Transport | None = field(default=None, init=False)
    # One SMTP connection is shared by the inbound runner and the web app's worker threads
    _flush_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @cached_property
    def tokens(self) -> TokenSigner:
        max_age = self.settings.subscribe.confirm_max_age_days * 86400
        return TokenSigner(self.settings.secret_key.get_secret_value(), max_age)

    @cached_property
    def links(self) -> PublicLinks:
        return PublicLinks(self.settings.public_url)

    @cached_property
    def return_paths(self) -> ReturnPaths:
        return ReturnPaths(self.settings.secret_key.get_secret_value(), self.settings.org.address)

    @cached_property
    def dkim(self) -> DkimSigner | None:
        """The signer of all mail we send, or None without a key (``KK_DKIM__*``)."""
        if not self.settings.dkim.enabled:
            return None
        from mailer.dkim_sign import DkimSigner  # noqa: PLC0415 - cryptography only when mail is signed

        return DkimSigner.from_settings(self.settings.dkim)

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.settings.auto_answers)

    @property
    def limits(self) -> Limits:
        return Limits(self.settings.mailer.per_minute, self.settings.mailer.per_day)

    @property
    def retry(self) -> RetryPolicy:
        """One policy for answers and newsletters alike (``KK_MAILER__MAX_ATTEMPTS``)."""
        return RetryPolicy(self.settings.mailer.max_attempts)

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            self._transport = make_transport(self.settings.smtp, self.settings.oauth)
        return self._transport

    def flush_outbox(self) -> FlushResult:
        """Send what is due in the outbox now (the mailer loop's rounds, the inbound runner's batches)."""
        signer = self.dkim
        with self._flush_lock:
            return flush(
                self.db,
                self.transport,
                self.retry,
                sign=signer.sign if signer else None,
                journal_dir=self.settings.data_dir / "outbox-journal",
                batch=self.settings.mailer.result_batch,
            )

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self.db.dispose()
