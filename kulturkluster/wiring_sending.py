"""The newsletter sender's parts: its mail identity, the campaign messages and the ``CampaignSender``.

``kulturkluster mailer run`` builds only these (``build_sending``) with the notices and the outbox it
flushes every round, so it never imports the inbound pipeline, the newsletter editor or its renderers;
``tests/integration/test_sender_imports.py`` keeps it that way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import cached_property

from sqlalchemy.orm import Session

from mailer import campaign_runs
from mailer.campaign_models import Newsletter
from mailer.newsletter_mail import MailIdentity, NewsletterMessages
from mailer.sender import CampaignSender, SenderConfig
from mailer.transport import Transport, make_transport

from .db import Database
from .settings import Settings
from .wiring_notices import NoticeServices


class SendingServices(NoticeServices):
    @cached_property
    def mail_identity(self) -> MailIdentity:
        cfg = self.settings
        return MailIdentity(
            org=cfg.org,
            links=self.links,
            tokens=self.tokens,
            list_id=cfg.mailer.list_id or f"nyhetsbrev.{cfg.org.domain}",
            return_paths=self.return_paths if cfg.mailer.verp else None,
            dkim=self.dkim,
        )

    def campaign_messages(self, newsletter: Newsletter) -> NewsletterMessages:
        """The messages of a started campaign: its frozen rendering for each recipient."""
        return NewsletterMessages(newsletter.id, campaign_runs.frozen(newsletter), self.mail_identity)

    def make_sender(self, transport_factory: Callable[[], Transport] | None = None) -> CampaignSender:
        cfg = self.settings.mailer
        threshold = self.settings.subscribe.bounce_threshold

        def refused(session: Session, email: str, reply: str) -> None:
            # The relay refused the address for good (5xx, or retries gave up): a permanent bounce. The
            # subscriber service is imported then (~0.8 MiB the sender otherwise never needs).
            from subscribers import bounces  # noqa: PLC0415
            from subscribers.models import Channel  # noqa: PLC0415
            from subscribers.service import Evidence  # noqa: PLC0415

            evidence = Evidence(Channel.SYSTEM, detail=f"refused while sending a newsletter: {reply}"[:500])
            bounces.record_bounce(session, email, permanent=True, evidence=evidence, threshold=threshold)

        return CampaignSender(
            self.db,
            transport_factory or (lambda: make_transport(self.settings.smtp, self.settings.oauth)),
            self.campaign_messages,
            SenderConfig(
                limits=self.limits,
                concurrency=cfg.concurrency,
                batch_size=cfg.batch_size,
                result_batch=cfg.result_batch,
                journal_dir=self.settings.data_dir / "mailer-journal" if cfg.result_batch > 1 else None,
                lease=timedelta(seconds=cfg.lease_seconds),
                retry=self.retry,
                relay_pause_after=cfg.relay_pause_after,
            ),
            on_refused=refused,
        )


def build_sending(settings: Settings | None = None) -> SendingServices:
    """The services of ``kulturkluster mailer run``."""
    settings = settings or Settings()
    return SendingServices(settings=settings, db=Database(settings.database_url))
