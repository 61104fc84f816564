"""Newsletters as campaigns: create, freeze and check, pause, resume, cancel.

The steps the sender takes (the snapshot of recipients, start due, finish) are in ``campaign_runs``.

Functions take the caller's session and never commit. The CLI and the staff web app both call these.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kulturkluster.db import utcnow
from kulturkluster.errors import ErrorKind
from kulturkluster.settings import OrgSettings
from kulturkluster.texts import t
from subscribers.tokens import Purpose, TokenSigner

from . import delivery_counts
from .campaign_models import Delivery, DeliveryStatus, Newsletter, NewsletterStatus
from .campaign_runs import NewsletterError, snapshot
from .check import CheckReport, check_newsletter, images_in
from .content import parse_content
from .image_check import SizeOf, image_findings
from .links import PublicLinks
from .newsletter_render import RenderedNewsletter, render_newsletter
from .render import Renderer

log = logging.getLogger(__name__)


class CheckFailed(NewsletterError):
    kind = ErrorKind.REFUSED

    def __init__(self, message: str, report: CheckReport) -> None:
        super().__init__(message)
        self.report = report


def no_size(_url: str) -> int | None:
    """Without an image store no image can be weighed."""
    return None


@dataclass(frozen=True, slots=True)
class NewsletterRenderer:
    """Everything needed to turn a newsletter's content into its rendering."""

    renderer: Renderer
    org: OrgSettings
    links: PublicLinks
    tokens: TokenSigner
    # Bytes of one of our stored images by its URL (``ImageStore.size_of``), for the weight warning.
    image_size: SizeOf = no_size

    def view_url(self, newsletter_id: int) -> str:
        return self.links.view(self.tokens.make(Purpose.VIEW, str(newsletter_id)))

    def render(self, newsletter: Newsletter) -> RenderedNewsletter:
        return self.render_source(newsletter.template, newsletter.content, newsletter.id)

    def render_source(self, template: str, source: str, newsletter_id: int = 0) -> RenderedNewsletter:
        """Content that need not be saved yet (the staff app's live preview renders unsaved edits)."""
        content = parse_content(source)
        return render_newsletter(
            self.renderer,
            template,
            content,
            self.org,
            self.view_url(newsletter_id),
            self.org.statement_url(self.links.base_url),
        )

    def check(self, newsletter: Newsletter) -> tuple[RenderedNewsletter, CheckReport]:
        rendered = self.render(newsletter)
        report = check_newsletter(
            rendered.compiled, newsletter.preheader, rendered.mjml_warnings, self.links.base_url
        )
        images = images_in(rendered.compiled.html)
        more = image_findings(images, self.image_size, self.links.base_url)
        return rendered, CheckReport((*report.findings, *more))


def create(
    session: Session, renderer: NewsletterRenderer, *, template: str, source: str, created_by: str
) -> Newsletter:
    """A new draft; the content is parsed and rendered once now, so mistakes show at once."""
    content = parse_content(source)
    newsletter = Newsletter(
        template=template,
        subject=content.subject,
        preheader=content.preheader,
        content=source,
        status=NewsletterStatus.DRAFT,
        created_by=created_by,
        created_at=utcnow(),
        updated_at=utcnow(),
        forced=False,
        total=0,
    )
    session.add(newsletter)
    session.flush()
    renderer.render(newsletter)
    return newsletter


def update_content(
    session: Session,
    renderer: NewsletterRenderer,
    newsletter: Newsletter,
    source: str,
    *,
    template: str | None = None,
) -> None:
    """Replace a draft's content (and, if given, its template); refused once sending has begun."""
    _expect(newsletter, NewsletterStatus.DRAFT)
    content = parse_content(source)
    newsletter.content, newsletter.subject, newsletter.preheader = source, content.subject, content.preheader
    newsletter.template = template or newsletter.template
    newsletter.updated_at = utcnow()
    renderer.render(newsletter)


def get(session: Session, newsletter_id: int) -> Newsletter:
    newsletter = session.get(Newsletter, newsletter_id)
    if newsletter is None:
        raise NewsletterError(t("newsletter.not_found", id=newsletter_id))
    return newsletter


def all_newsletters(session: Session) -> list[Newsletter]:
    return list(session.scalars(select(Newsletter).order_by(Newsletter.id.desc())))


def start(
    session: Session,
    renderer: NewsletterRenderer,
    newsletter: Newsletter,
    *,
    at: datetime | None = None,
    force: bool = False,
    actor: str = "staff",
) -> CheckReport:
    """Start a campaign: check, freeze the rendering, and let the sender begin now or at ``at``.

    Nothing is sent here: the mailer's rounds (``mailer.sender``) send the deliveries this creates.

    Errors in the check stop here unless ``force``. Recipients are taken when sending starts: the active
    subscribers at that moment, one delivery row each.
    """
    _expect(newsletter, NewsletterStatus.DRAFT)
    rendered, report = renderer.check(newsletter)
    if not report.ok and not force:
        raise CheckFailed(t("newsletter.check_failed", id=newsletter.id), report)
    compiled = rendered.compiled
    newsletter.subject, newsletter.html, newsletter.text = compiled.subject, compiled.html, compiled.text
    newsletter.forced = force and not report.ok
    newsletter.updated_at = utcnow()
    if at is not None and at > utcnow():
        newsletter.status, newsletter.scheduled_at = NewsletterStatus.SCHEDULED, at
        log.info(
            "newsletter scheduled", extra={"newsletter": newsletter.id, "at": at.isoformat(), "by": actor}
        )
    else:
        snapshot(session, newsletter)
        log.info(
            "newsletter sending", extra={"newsletter": newsletter.id, "total": newsletter.total, "by": actor}
        )
    return report


def pause(session: Session, newsletter: Newsletter) -> None:
    _expect(newsletter, NewsletterStatus.SENDING, NewsletterStatus.SCHEDULED)
    newsletter.status, newsletter.updated_at = NewsletterStatus.PAUSED, utcnow()
    newsletter.pause_reason = None


def resume(session: Session, newsletter: Newsletter) -> None:
    _expect(newsletter, NewsletterStatus.PAUSED)
    if newsletter.started_at is None:  # paused before its time came: back to waiting for it
        newsletter.status = NewsletterStatus.SCHEDULED
    else:
        newsletter.status = NewsletterStatus.SENDING
        # What the relay refused is due again now; sent deliveries stay sent (nobody twice).
        session.execute(
            update(Delivery)
            .where(Delivery.newsletter_id == newsletter.id, Delivery.status == DeliveryStatus.QUEUED)
            .values(next_attempt_at=utcnow())
        )
    newsletter.pause_reason = None
    newsletter.updated_at = utcnow()


def cancel(session: Session, newsletter: Newsletter) -> int:
    """Stop for good; deliveries not yet handed to the relay are marked cancelled. Returns how many."""
    _expect(newsletter, NewsletterStatus.SENDING, NewsletterStatus.SCHEDULED, NewsletterStatus.PAUSED)
    # The deliveries first, then the newsletter row, in the order the sender locks them (no deadlock).
    result = session.execute(
        update(Delivery)
        .where(Delivery.newsletter_id == newsletter.id, Delivery.status == DeliveryStatus.QUEUED)
        .values(status=DeliveryStatus.CANCELLED)
    )
    cancelled = int(result.rowcount)  # type: ignore[attr-defined]
    delivery_counts.finished(session, newsletter.id, DeliveryStatus.CANCELLED, cancelled)
    newsletter.status, newsletter.updated_at = NewsletterStatus.CANCELLED, utcnow()
    newsletter.finished_at = utcnow()
    return cancelled


def counts(session: Session, newsletter_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.newsletter_id == newsletter_id)
        .group_by(Delivery.status)
    )
    found = {status: 0 for status in DeliveryStatus}
    found.update({DeliveryStatus(status): n for status, n in rows})
    return {str(k): v for k, v in found.items()}


def _expect(newsletter: Newsletter, *allowed: NewsletterStatus) -> None:
    if newsletter.status not in allowed:
        raise NewsletterError(
            t(
                "newsletter.wrong_state",
                id=newsletter.id,
                status=t(f"newsletter.status.{newsletter.status}"),
                allowed=", ".join(t(f"newsletter.status.{s.value}") for s in allowed),
            )
        )
