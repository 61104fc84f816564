"""Replies from staff to a case's requester: drafted exactly as they are sent, then queued and recorded.

A reply is a threaded mail from the shared address with the case tag in its subject. The functions take
the parts they need (``ReplyParts`` for the mail, the outbox to queue it) and never commit, so a reply is
stored and queued together or not at all; it leaves right after the commit (``Services.sending``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.settings import OrgSettings
from kulturkluster.subjects import strip_prefixes
from kulturkluster.texts import t
from mailer.compose import Addressing, compose, new_message_id
from mailer.outbox import Outbox
from mailer.render import Rendered, Renderer
from subscribers.tokens import Purpose, TokenSigner

from . import service
from .by_hand import RequesterWithoutAddress
from .models import Case, CaseMessage, Direction
from .reference import without_tags


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


@dataclass(frozen=True, slots=True)
class ReplyDraft:
    """A reply as it will be sent: the rendered mail and who it goes to, in which thread."""

    rendered: Rendered
    addressing: Addressing
    body: str


def clean_subject(subject: str) -> str:
    """The case's subject without reply prefixes or our tag, for "SV: [KK-…] <subject>"."""
    return without_tags(strip_prefixes(subject)).strip() or t("cases.no_subject")


def draft_reply(parts: ReplyParts, case: Case, body: str) -> ReplyDraft:
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
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    rendered = parts.renderer.render(
        "system/case_reply.mjml.j2",
        {
            "org": org,
            "public_url": parts.public_url,
            "paragraphs": paragraphs,
            "case": {"reference": case.reference, "subject": subject},
            "recipient": {"email": to_address, "greeting_name": ""},
        },
    )
    addressing = Addressing(
        from_address=org.address,
        from_name=org.name,
        to_address=to_address,
        to_name=case.contact.name,
        message_id=new_message_id(org.domain, parts.tokens.make(Purpose.CASE, case.reference)),
        in_reply_to=last_in.message_id if last_in else None,
        references=tuple(m.message_id for m in thread[-20:] if m.message_id),
    )
    return ReplyDraft(rendered, addressing, body.strip())


def reply(
    parts: ReplyParts,
    outbox: Outbox,
    session: Session,
    case: Case,
    body: str,
    author: str,
    *,
    close: bool = False,
) -> CaseMessage:
    """Send ``body`` to the case's requester as a threaded mail from the shared address, and record it.

    The mail is queued in the caller's transaction and leaves after its commit (``mailer.after_commit``).
    """
    draft = draft_reply(parts, case, body)
    composed = compose(
        draft.rendered, draft.addressing, automatic=False, kind="case_reply", signer=parts.tokens
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
    return service.record_reply(
        session,
        case,
        message_id=composed.message_id,
        subject=composed.subject,
        text=draft.body,
        author=author,
        outgoing_message_id=outgoing.id,
        close=close,
    )
