"""The public archive of sent newsletters: which issues are in it, and each issue as anyone may see it.

An issue is in the archive once it has gone out (sending, paused or sent: its letter is frozen) unless an
admin hid it; drafts, scheduled and cancelled issues never are. Functions take the caller's session and
never commit. ``public_copy`` is pure: the frozen letter with neutral values in place of a recipient's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from .campaign_models import Newsletter, NewsletterStatus
from .links import VIEW_PATH
from .render import Compiled, Rendered

ARCHIVED = (NewsletterStatus.SENDING, NewsletterStatus.PAUSED, NewsletterStatus.SENT)
SUMMARY_CHARS = 280
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_REF = re.compile(r"([0-9]{1,9})(?:-[a-z0-9-]*)?")


class NotArchivable(KulturklusterError):
    """Only an issue that has gone out can be shown in or hidden from the archive."""

    kind = ErrorKind.CONFLICT


@dataclass(frozen=True, slots=True)
class ArchivedIssue:
    id: int
    subject: str
    summary: str
    sent_at: datetime  # when sending started: the issue's date
    updated_at: datetime  # when it last changed: sending finished, or started

    @property
    def ref(self) -> str:
        """The issue's part of its archive URL: its id and its subject, readable ("12-nyhetsbrev-mars")."""
        return f"{self.id}-{slug(self.subject)}".rstrip("-")


@dataclass(frozen=True, slots=True)
class ArchivedLetter:
    issue: ArchivedIssue
    letter: Compiled  # frozen, with markers where each recipient's values went


def slug(subject: str) -> str:
    """Lower-case ASCII words joined by hyphens: "Nyhetsbrev för mars" -> "nyhetsbrev-for-mars"."""
    ascii_text = unicodedata.normalize("NFKD", subject).encode("ascii", "ignore").decode("ascii")
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")[:60].rstrip("-")


def id_of(ref: str) -> int | None:
    """The id in an archive reference ("12" or "12-nyhetsbrev-mars"); None for anything else."""
    match = _REF.fullmatch(ref)
    return int(match.group(1)) if match else None


def in_archive(newsletter: Newsletter) -> bool:
    return newsletter.status in ARCHIVED and newsletter.html is not None and not newsletter.archive_hidden


def issues(session: Session) -> list[ArchivedIssue]:
    """Every issue in the archive, newest first."""
    rows = session.scalars(
        select(Newsletter)
        .where(
            Newsletter.status.in_([str(s) for s in ARCHIVED]),
            Newsletter.html.is_not(None),
            Newsletter.archive_hidden.is_(False),
        )
        .order_by(Newsletter.started_at.desc(), Newsletter.id.desc())
    )
    return [_issue(row) for row in rows]


def letter(session: Session, newsletter_id: int) -> ArchivedLetter | None:
    """One issue of the archive with its frozen letter; None when it is not in the archive."""
    row = session.get(Newsletter, newsletter_id)
    if row is None or not in_archive(row) or row.html is None:
        return None
    return ArchivedLetter(_issue(row), Compiled(row.subject, row.html, row.text or ""))


def set_hidden(session: Session, newsletter_id: int, *, hidden: bool) -> Newsletter:
    """Take an issue out of the archive or put it back; only issues that have gone out."""
    row = session.get(Newsletter, newsletter_id)
    if row is None or row.status not in ARCHIVED:
        raise NotArchivable(t("archive.not_archivable"), newsletter_id=newsletter_id)
    row.archive_hidden = hidden
    return row


def public_copy(letter: Compiled, own_url: str, help_url: str, view_base: str) -> Rendered:
    """The letter as anyone may see it: no address, no name, no personal link.

    The footer's unsubscribe link leads to the page that explains how to leave the list, and the letter's
    "view in browser" link (a signed link made when sending started) to the issue's own archive page.
    """
    page = letter.personalise(
        {"recipient.email": "", "recipient.greeting_name": "", "links.unsubscribe": help_url}
    )
    view_prefix = view_base.rstrip("/") + VIEW_PATH.partition("{")[0]
    view_link = re.compile(re.escape(view_prefix) + r"[^\"'<>\s]+")
    return Rendered(page.subject, view_link.sub(own_url, page.html), view_link.sub(own_url, page.text))


def _issue(row: Newsletter) -> ArchivedIssue:
    sent_at = row.started_at or row.updated_at
    summary = " ".join((row.preheader or "").split()) or _first_words(row.text or "")
    return ArchivedIssue(row.id, row.subject, summary, sent_at, row.finished_at or sent_at)


def _first_words(text: str) -> str:
    words = " ".join(word for word in text.split() if "KKPERSONAL" not in word)
    if len(words) <= SUMMARY_CHARS:
        return words
    return words[:SUMMARY_CHARS].rsplit(" ", 1)[0] + " …"
