"""Replies from staff to a case's requester: drafted exactly as they are sent, then queued and recorded.

A reply is a threaded mail from the shared address with the case tag in its subject: what staff typed,
their signature, the requester's last message quoted below (unless turned off) and any files
(``cases.reply_body``). The functions take the parts they need (``ReplyParts`` for the mail, the outbox to
queue it) and never commit, so a reply is stored and queued together or not at all; it leaves right after
the commit (``Services.sending``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kulturkluster import accounts
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.settings import OrgSettings
from kulturkluster.subjects import strip_prefixes
from kulturkluster.texts import t
from mailer.compose import Addressing, compose, new_message_id
from mailer.mime import FilePart
from mailer.outbox import Outbox
from mailer.render import Rendered, Renderer
from subscribers.tokens import Purpose, TokenSigner

from . import reply_body, service
from .attachments import AttachmentStore
from .by_hand import RequesterWithoutAddress
from .models import Case, CaseAttachment, CaseMessage, Direction
from .reference import without_tags

DEFAULT_MAX_FILES_BYTES = 10 * 1024 * 1024


class EmptyReply(KulturklusterError):
    """A reply without any text."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class ReplyParts:
    """What writing a reply takes: who we are, where our pages are, the renderer, the Message-ID signer."""

    org: OrgSettings
    public_url: str
    renderer: Renderer
    tokens: TokenSigner
    files: AttachmentStore | None = None  # where the files sent with replies are kept
    max_files_bytes: int = DEFAULT_MAX_FILES_BYTES  # the files of one reply together, at most


@dataclass(frozen=True, slots=True)
class ReplyAuthor:
    """Who answers: the username stored with the reply, the name placeholders use, their signature."""

    username: str
    name: str
    signature: str = ""


def author_of(session: Session, username: str) -> ReplyAuthor:
    """The author by username: their account's name and signature, or just the username without one."""
    user = accounts.find(session, username)
    if user is None:
        return ReplyAuthor(username, username)
    return ReplyAuthor(user.username, user.display_name, user.signature or "")


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    """A reply as it will be sent: the rendered mail and who it goes to, in which thread."""

    rendered: Rendered
    addressing: Addressing
    body: str


def clean_subject(subject: str) -> str:
    """The case's subject without reply prefixes or our tag, for "SV: [KK-…] <subject>"."""
    return without_tags(strip_prefixes(subject)).strip() or t("cases.no_subject")


def draft_reply(
    parts: ReplyParts,
    case: Case,
    body: str,
    author: ReplyAuthor | None = None,
    *,
    quote: bool = True,
) -> ReplyDraft:
    """The reply mail for ``body`` exactly as ``reply`` sends it (the web app's preview shows this)."""
    if not body.strip():
        raise EmptyReply(t("cases.empty_reply"))
    thread = [m for m in case.messages if m.direction != Direction.NOTE and m.message_id]
    last_in = next((m for m in reversed(case.messages) if m.direction == Direction.IN), None)
    to_address = (last_in.from_address if last_in else None) or case.contact.email
    if to_address is None:
        raise RequesterWithoutAddress(case.reference)  # a phone case (cases.by_hand)
    org = parts.org
    subject = clean_subject(case.subject)
    text = reply_body.with_signature(body, author.signature if author else "")
    quoted = (
        reply_body.quote_of(last_in.text or "", last_in.created_at, case.contact.name, to_address)
        if quote and last_in is not None
        else None
    )
    rendered = parts.renderer.render(
        "system/case_reply.mjml.j2",
        {
            "org": org,
            "public_url": parts.public_url,
            "paragraphs": reply_body.paragraphs(text),
            "quote": quoted,
            "quote_start": reply_body.QUOTE_START,
            "quote_end": reply_body.QUOTE_END,
            "case": {"reference": case.reference, "subject": subject},
            "recipient": {"email": to_address, "greeting_name": ""},
        },
    )
    html, plain = reply_body.place_quote(rendered.html, rendered.text, quoted)
    addressing = Addressing(
        from_address=org.address,
        from_name=org.name,
        to_address=to_address,
        to_name=case.contact.name,
        message_id=new_message_id(org.domain, parts.tokens.make(Purpose.CASE, case.reference)),
        in_reply_to=last_in.message_id if last_in else None,
        references=tuple(m.message_id for m in thread[-20:] if m.message_id),
    )
    return ReplyDraft(Rendered(rendered.subject, html, plain), addressing, text)


def reply(
    parts: ReplyParts,
    outbox: Outbox,
    session: Session,
    case: Case,
    body: str,
    author: str | ReplyAuthor,
    *,
    close: bool = False,
    quote: bool = True,
    files: Sequence[FilePart] = (),
) -> CaseMessage:
    """Send ``body`` to the case's requester as a threaded mail from the shared address, and record it.

    ``author`` is a username (its account's signature is added) or a ``ReplyAuthor``. ``files`` go with
    the mail and are kept like incoming attachments, under the recorded reply. The mail is queued in the
    caller's transaction and leaves after its commit (``mailer.after_commit``).
    """
    who = author if isinstance(author, ReplyAuthor) else author_of(session, author)
    checked = reply_body.checked_files(files, parts.max_files_bytes)
    draft = draft_reply(parts, case, body, who, quote=quote)
    composed = compose(
        draft.rendered,
        draft.addressing,
        automatic=False,
        kind="case_reply",
        signer=parts.tokens,
        files=checked,
    )
    outgoing = outbox.enqueue(
        session,
        composed,
        kind="case_reply",
        sender=parts.org.address,
        to_address=draft.addressing.to_address,
        automatic=False,
    )
    session.flush()
    message = service.record_reply(
        session,
        case,
        message_id=composed.message_id,
        subject=composed.subject,
        text=draft.body,
        author=who.username,
        outgoing_message_id=outgoing.id,
        close=close,
    )
    _keep(parts, message, checked)
    return message


def _keep(parts: ReplyParts, message: CaseMessage, files: Sequence[FilePart]) -> None:
    """The sent files, stored like incoming attachments (content-addressed) under the reply."""
    if files and parts.files is None:
        raise ValueError("ReplyParts.files is needed to keep the files of a reply")
    for part in files:
        digest = parts.files.put(part.data) if parts.files is not None else None
        message.attachments.append(
            CaseAttachment(
                filename=part.filename[:255],
                content_type=part.content_type[:255],
                size=len(part.data),
                sha256=digest,
            )
        )
