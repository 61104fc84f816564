"""The inbound side's parts: attachments, the pipeline, the mailbox source, the runner and the Sent folder."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cached_property

from cases.attachments import AttachmentStore
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
from mailer.retry import Backoff

from .db import utcnow
from .errors import ConfigurationError
from .oauth import imap_client, shared_provider
from .settings import ImapAuth, InboundSource
from .texts import t
from .wiring_notices import NoticeServices

log = logging.getLogger(__name__)


class InboundServices(NoticeServices):
    @cached_property
    def attachments(self) -> AttachmentStore:
        folder = self.settings.cases.attachments_dir
        if folder is None:  # Settings fills it in under the data folder; only a hand-made one lacks it
            raise ConfigurationError(t("settings.path_missing", setting="KK_CASES__ATTACHMENTS_DIR"))
        return AttachmentStore(folder, self.settings.cases.max_attachment_bytes)

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
        super().close()
