"""The composition root: builds the service's parts from the settings, each with only its own group.

The CLI and the web app call these builders; nothing below this module knows about settings as a whole.
``Services`` is the whole service, composed of focused parts that each import only what they use:

- ``wiring_core.CoreServices``: settings, database, tokens, links, DKIM, transport, the outbox and its flush;
- ``wiring_notices.NoticeServices``: rendering, system mail, staff notices, flushing after a commit;
- ``wiring_sending.SendingServices``: the newsletter sender (``mailer run`` builds only this);
- ``wiring_inbound.InboundServices``: the inbound pipeline, mailbox sources, the runner, the Sent folder;
- here: the newsletter editor's rendering and images, case replies and the web app's worker health.
"""

from __future__ import annotations

from functools import cached_property

from cases.replies import ReplyParts
from mailer.campaign_models import Newsletter
from mailer.campaigns import NewsletterRenderer
from mailer.image_store import ImageStore
from mailer.newsletter_mail import NewsletterMessages

from .db import Database
from .settings import Settings
from .wiring_inbound import InboundServices
from .wiring_sending import SendingServices
from .worker_health import WorkerHealth


class Services(SendingServices, InboundServices):
    @cached_property
    def workers(self) -> WorkerHealth:
        """The background workers of ``serve`` that died (``/healthz`` answers 503 naming them)."""
        return WorkerHealth()

    @cached_property
    def images(self) -> ImageStore:
        """Newsletter images, content-addressed under ``<data_dir>/images``, served from the public URL."""
        return ImageStore(self.settings.data_dir / "images", self.settings.public_url)

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
    def newsletter_renderer(self) -> NewsletterRenderer:
        return NewsletterRenderer(
            self.renderer, self.settings.org, self.links, self.tokens, self.images.size_of
        )

    def newsletter_messages(self, newsletter: Newsletter, *, test: bool = False) -> NewsletterMessages:
        """A campaign's messages; ``test`` renders the draft as it stands (a test send before starting)."""
        if not test:
            return self.campaign_messages(newsletter)
        compiled = self.newsletter_renderer.render(newsletter).compiled
        return NewsletterMessages(newsletter.id, compiled, self.mail_identity, test=True)


def build(settings: Settings | None = None) -> Services:
    settings = settings or Settings()
    return Services(settings=settings, db=Database(settings.database_url))
