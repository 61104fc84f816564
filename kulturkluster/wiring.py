"""The composition root: builds the service's parts from the settings, each with only its own group.

The CLI (and later the web app) call these builders; nothing below this module knows about settings as
a whole.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from cases.attachments import AttachmentStore
from cases.notify_mail import Notifier, RunResult
from cases.replies import ReplyParts
from inbound.handlers import HandlerConfig
from inbound.models import MailboxState
from inbound.pipeline import Pipeline, PipelineConfig
from inbound.runner import Runner
from inbound.sent_folder import SentFolderReader
from inbound.sources.base import Source
from inbound.sources.imap import ImapSource
from inbound.sources.imap_sent import SentMailbox
from inbound.sources.lmtp import LmtpSource
from inbound.sources.maildir import MaildirSource
from mailer import campaigns
from mailer.after_commit import Sending, send_after_commit
from mailer.campaign_models import Newsletter
from mailer.campaigns import NewsletterRenderer
from mailer.dkim_sign import DkimSigner
from mailer.image_store import ImageStore
from mailer.limits import Limits
from mailer.links import PublicLinks
from mailer.newsletter_mail import MailIdentity, NewsletterMessages
from mailer.outbox import Outbox
from mailer.outbox_delivery import FlushResult, flush
from mailer.render import Renderer
from mailer.retry import Backoff, RetryPolicy
from mailer.sender import CampaignSender, SenderConfig
from mailer.system_mail import SystemMailer
from mailer.transport import Transport, make_transport
from subscribers import bounces
from subscribers.models import Channel
from subscribers.service import Evidence
from subscribers.tokens import ReturnPaths, TokenSigner

from .db import Database, utcnow
from .errors import ConfigurationError
from .oauth import imap_client, shared_provider
from .settings import ImapAuth, InboundSource, Settings
from .texts import t
from .worker_health import WorkerHealth

log = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    db: Database
    _transport: Transport | None = field(default=None, init=False)
    # One SMTP connection is shared by the inbound runner and the web app's worker threads
    _flush_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @cached_property
    def workers(self) -> WorkerHealth:
        """The background workers of ``serve`` that died (``/healthz`` answers 503 naming them)."""
        return WorkerHealth()

    @cached_property
    def tokens(self) -> TokenSigner:
        max_age = self.settings.subscribe.confirm_max_age_days * 86400
        return TokenSigner(self.settings.secret_key.get_secret_value(), max_age)

    @cached_property
    def attachments(self) -> AttachmentStore:
        folder = self.settings.cases.attachments_dir
        if folder is None:  # Settings fills it in under the data folder; only a hand-made one lacks it
            raise ConfigurationError(t("settings.path_missing", setting="KK_CASES__ATTACHMENTS_DIR"))
        return AttachmentStore(folder, self.settings.cases.max_attachment_bytes)

    @cached_property
    def images(self) -> ImageStore:
        """Newsletter images, content-addressed under ``<data_dir>/images``, served from the public URL."""
        return ImageStore(self.settings.data_dir / "images", self.settings.public_url)

    @cached_property
    def renderer(self) -> Renderer:
        return Renderer()

    @cached_property
    def reply_parts(self) -> ReplyParts:
        """What ``cases.replies`` needs to write, send and keep a reply (the CLI and the web app share it)."""
        settings = self.settings
        return ReplyParts(
            settings.org,
            settings.public_url,
            self.renderer,
            self.tokens,
            files=self.attachments,
            max_files_bytes=settings.cases.max_reply_attachment_bytes,
        )

    @cached_property
    def outbox(self) -> Outbox:
        return Outbox(self.settings.auto_answers)

    @cached_property
    def links(self) -> PublicLinks:
        return PublicLinks(self.settings.public_url)

    @cached_property
    def return_paths(self) -> ReturnPaths:
        return ReturnPaths(self.settings.secret_key.get_secret_value(), self.settings.org.address)

    @cached_property
    def mail_identity(self) -> MailIdentity:
        cfg = self.settings
        return MailIdentity(
            org=cfg.org,
            links=self.links,
            tokens=self.tokens,
            list_id=cfg.mailer.list_id or f"nyhetsbrev.{cfg.org.domain}",
            return_paths=self.return_paths if cfg.mailer.verp else None,
            dkim=DkimSigner.from_settings(cfg.dkim),
        )

    @cached_property
    def newsletter_renderer(self) -> NewsletterRenderer:
        return NewsletterRenderer(
            self.renderer, self.settings.org, self.links, self.tokens, self.images.size_of
        )

    @property
    def limits(self) -> Limits:
        return Limits(self.settings.mailer.per_minute, self.settings.mailer.per_day)

    @property
    def retry(self) -> RetryPolicy:
        """One policy for answers and newsletters alike (``KK_MAILER__MAX_ATTEMPTS``)."""
        return RetryPolicy(self.settings.mailer.max_attempts)

    def newsletter_messages(self, newsletter: Newsletter, *, test: bool = False) -> NewsletterMessages:
        compiled = (
            campaigns.frozen(newsletter) if not test else self.newsletter_renderer.render(newsletter).compiled
        )
        return NewsletterMessages(newsletter.id, compiled, self.mail_identity, test=test)

    def make_sender(self, transport_factory: Callable[[], Transport] | None = None) -> CampaignSender:
        cfg = self.settings.mailer
        threshold = self.settings.subscribe.bounce_threshold

        def refused(session: Session, email: str, reply: str) -> None:
            # The relay refused the address for good (5xx, or retries gave up): a permanent bounce.
            evidence = Evidence(Channel.SYSTEM, detail=f"refused while sending a newsletter: {reply}"[:500])
            bounces.record_bounce(session, email, permanent=True, evidence=evidence, threshold=threshold)

        return CampaignSender(
            self.db,
            transport_factory or (lambda: make_transport(self.settings.smtp, self.settings.oauth)),
            self.newsletter_messages,
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
        """The mailer loop's round under ``serve``: reminders, notices and due summaries, then the outbox."""
        try:
            self.run_notices(scheduled=True)
        except DBAPIError:
            raise
        except Exception:
            log.exception("the scheduled staff notices failed")
        return self.flush_outbox()

    @cached_property
    def pipeline(self) -> Pipeline:
        cfg = self.settings
        config = PipelineConfig(
            own_addresses=frozenset({cfg.org.address.lower()}),
            handlers=HandlerConfig(
                cfg.subscribe.confirm,
                cfg.subscribe.trusted_authserv_id,
                self.attachments,
                self.tokens,
                timedelta(days=cfg.cases.reopen_days),
                cfg.subscribe.bounce_threshold,
                self.system_mailer.subjects(),
                self.return_paths,
                cfg.unsubscribe.confirm,
                cfg.cases.new_per_sender_per_day,
            ),
            max_message_bytes=cfg.inbound.max_message_bytes,
            isolate_bytes=cfg.inbound.isolate_bytes,
            parse_timeout=cfg.inbound.parse_timeout,
        )
        return Pipeline(self.db, self.system_mailer, self.tokens, config)

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            self._transport = make_transport(self.settings.smtp, self.settings.oauth)
        return self._transport

    def flush_outbox(self) -> FlushResult:
        """Send what is due in the outbox now (the mailer loop's rounds, the inbound runner's batches)."""
        signer = self.mail_identity.dkim
        batch = self.settings.mailer.result_batch
        with self._flush_lock:
            return flush(
                self.db,
                self.transport,
                self.retry,
                sign=signer.sign if signer else None,
                journal_dir=self.settings.data_dir / "outbox-journal",
                batch=batch,
            )

    def sending(self) -> AbstractContextManager[Sending]:
        """Within this block a transaction that queued mail flushes the outbox right after its commit.

        The one place a process arranges it: the CLI around each command, the staff app around each request.
        """
        return send_after_commit(self.send_queued)

    def make_source(self) -> Source:
        cfg = self.settings
        if cfg.inbound.source is InboundSource.MAILDIR:
            if cfg.inbound.maildir is None:  # filled in under the data folder unless built by hand
                raise ConfigurationError(t("settings.path_missing", setting="KK_INBOUND__MAILDIR"))
            return MaildirSource(cfg.inbound.maildir, cfg.folders, cfg.inbound.poll_interval)
        if cfg.inbound.source is InboundSource.LMTP:
            if cfg.uses_default_secret:  # real mail arrives: the same rule as for IMAP below
                raise ConfigurationError(t("settings.secret_required"))
            return LmtpSource(
                cfg.lmtp,
                self.pipeline.process,
                max_message_bytes=cfg.inbound.max_message_bytes,
                poll_interval=cfg.inbound.poll_interval,
            )
        if not cfg.imap.username or not cfg.imap.host:
            raise ConfigurationError(t("settings.imap_incomplete"))
        if cfg.uses_default_secret:
            # Signed tokens in links and Message-IDs are only as secret as this key.
            raise ConfigurationError(t("settings.secret_required"))
        xoauth2 = cfg.imap.auth is ImapAuth.XOAUTH2
        provider = shared_provider(imap_client(cfg.imap, cfg.oauth)) if xoauth2 else None
        return ImapSource(
            cfg.imap,
            cfg.folders,
            idle_timeout=cfg.inbound.idle_timeout,
            poll_interval=cfg.inbound.poll_interval,
            token_provider=provider,
        )

    def make_runner(self, source: Source) -> Runner:
        sent = self.make_sent_reader(source) if isinstance(source, ImapSource) else None
        return Runner(
            source,
            self.pipeline,
            batch_size=self.settings.inbound.batch_size,
            after_batch=self.send_queued,
            on_health=self.record_health,
            backoff=Backoff(maximum=self.settings.imap.reconnect_max_delay, jitter=0.2),
            also_read=[sent.read] if sent is not None else [],
        )

    def make_sent_reader(self, inbox: ImapSource) -> SentFolderReader | None:
        """The reader of the shared mailbox's Sent folder (on its own connection, logged in as the inbox
        is), unless ``KK_IMAP__SENT_FOLDER`` is ``-``."""
        cfg = self.settings
        if cfg.imap.sent_folder.strip() == "-":
            return None
        return SentFolderReader(
            SentMailbox(cfg.imap, cfg.folders, token_provider=inbox.token_provider),
            self.db,
            parse=self.pipeline.parse,
            tokens=self.tokens,
            attachments=self.attachments,
            own_addresses=self.pipeline.config.own_addresses,
        )

    def record_health(self, source: Source, error: str | None) -> None:
        """Remember the last successful fetch and the last error of a mailbox (for the overview page)."""
        uidvalidity = getattr(source, "uidvalidity", None)
        with self.db.unit_of_work() as session:
            state = session.get(MailboxState, source.name)
            if state is None:
                state = MailboxState(mailbox=source.name)
                session.add(state)
            if uidvalidity is not None and state.uidvalidity not in (None, uidvalidity):
                log.warning(
                    "UIDVALIDITY changed: the server renumbered the folder; messages are matched by content",
                    extra={"source": source.name, "old": state.uidvalidity, "new": uidvalidity},
                )
            state.uidvalidity = uidvalidity if uidvalidity is not None else state.uidvalidity
            if error is None:
                state.last_success_at = utcnow()
            else:
                state.last_error, state.last_error_at = error[:2000], utcnow()

    def close(self) -> None:
        if "pipeline" in self.__dict__:
            self.pipeline.parser.close()
        if self._transport is not None:
            self._transport.close()
        self.db.dispose()


def build(settings: Settings | None = None) -> Services:
    settings = settings or Settings()
    return Services(settings=settings, db=Database(settings.database_url))
