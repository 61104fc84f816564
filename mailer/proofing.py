"""What staff do with a newsletter before it goes out: look at it, mail a test copy, run the full check.

The CLI (``newsletter preview|test|check|send --at``) and the staff web app call these same functions.
Rendering and checking are pure over the newsletter; ``send_test`` and the optional parts of the check
(SpamAssassin, fetching the links) are the I/O, and only run when asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t
from subscribers.address import normalize_address

from .campaign_models import Newsletter
from .campaign_runs import frozen
from .campaigns import NewsletterRenderer
from .check import CheckReport, Finding, check_links_online, links_in
from .newsletter_mail import MailIdentity, NewsletterMessages, OutgoingMail, Recipient
from .render import Compiled, Rendered
from .spamscore import SpamScore, score_message, spam_findings
from .transport import Transport


def example_copy(renderer: NewsletterRenderer, compiled: Compiled) -> Rendered:
    """The letter as an example recipient sees it; its unsubscribe link goes to the page that explains how."""
    return compiled.personalise(
        {
            "recipient.email": t("newsletter.preview_address"),
            "links.unsubscribe": renderer.links.unsubscribe_help(),
        }
    )


def preview(renderer: NewsletterRenderer, newsletter: Newsletter) -> Rendered:
    """A saved newsletter: exactly what was sent once sending began, else its current content."""
    compiled = frozen(newsletter) if newsletter.html else renderer.render(newsletter).compiled
    return example_copy(renderer, compiled)


def preview_source(
    renderer: NewsletterRenderer, template: str, source: str
) -> tuple[Rendered, tuple[str, ...]]:
    """Unsaved content (the live preview): the example copy and the MJML warnings.

    Raises ``KulturklusterError`` (content, template or MJML problems) with a message for staff.
    """
    rendered = renderer.render_source(template, source)
    return example_copy(renderer, rendered.compiled), rendered.mjml_warnings


def send_test(transport: Transport, messages: NewsletterMessages, to: str) -> OutgoingMail:
    """One real copy (subject "[Test] ...") to one address, now, over ``transport``."""
    address = normalize_address(to)
    mail = messages.build(Recipient(address))
    transport.send(mail.raw, messages.identity.org.address, [address])
    return mail


@dataclass(frozen=True, slots=True)
class FullCheck:
    report: CheckReport
    spam: SpamScore | None  # None when not asked for or not available (a warning in the report says why)


def full_check(
    renderer: NewsletterRenderer, identity: MailIdentity, newsletter: Newsletter, *, online: bool, spam: bool
) -> FullCheck:
    """The pre-send check, plus (when asked) the links fetched and a sample message scored by SpamAssassin."""
    rendered, report = renderer.check(newsletter)
    extra: list[Finding] = []
    if online:
        extra += check_links_online(links_in(rendered.compiled.html))
    score = None
    if spam:
        sample = NewsletterMessages(newsletter.id, rendered.compiled, identity, test=True).build(
            Recipient(t("newsletter.preview_address"))
        )
        try:
            score = score_message(sample.raw)
        except KulturklusterError as exc:  # not installed, or it failed: say so, but it is no verdict
            extra.append(Finding("warning", "spam_unavailable", str(exc)))
        else:
            extra += spam_findings(score)
    return FullCheck(CheckReport((*report.findings, *extra)), score)


def parse_send_time(value: str, zone: tzinfo | None = None) -> datetime:
    """ISO 8601 ("2026-12-01T08:00"); without an offset it is a time in ``zone`` (default: this machine's).

    Returned in UTC, as it is stored.
    """
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise KulturklusterError(t("newsletter.bad_time", value=value)) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone) if zone is not None else moment.astimezone()
    try:
        return moment.astimezone(UTC)
    except OverflowError as exc:  # year 1 or 9999 near midnight: not a time anyone means
        raise KulturklusterError(t("newsletter.bad_time", value=value)) from exc
