"""One newsletter, many recipients: each message is the frozen rendering plus cheap substitutions.

Per recipient this signs one unsubscribe token, fills the markers (a join, see ``Personaliser``), writes
the headers and encodes the body; Jinja2 and MJML ran once, when sending started.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from kulturkluster.answers import OUR_MARKER_HEADER, OUR_SEAL_HEADER
from kulturkluster.db import utcnow
from kulturkluster.settings import OrgSettings
from subscribers.tokens import Purpose, ReturnPaths, TokenSigner

from .links import PublicLinks, unsubscribe_mailto
from .mime import AlternativeTemplate, EncodedTemplate, date_header, fold_header, format_address, interleave
from .render import Compiled, greeting_name

if TYPE_CHECKING:  # cryptography is imported only when a DKIM key is configured
    from .dkim_sign import DkimSigner

NEWSLETTER_KIND = "newsletter"


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str = ""
    subscriber_id: int | None = None
    delivery_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    envelope_sender: str
    message_id: str  # without <>
    raw: bytes


@dataclass(frozen=True, slots=True)
class MailIdentity:
    """What every message of the service says about where it comes from."""

    org: OrgSettings
    links: PublicLinks
    tokens: TokenSigner
    list_id: str  # e.g. "nyhetsbrev.kulturkluster.se"
    return_paths: ReturnPaths | None = None  # VERP when set
    dkim: DkimSigner | None = None


class NewsletterMessages:
    def __init__(self, newsletter_id: int, compiled: Compiled, identity: MailIdentity, *, test: bool = False):
        self.newsletter_id = newsletter_id
        self.identity = identity
        self.prepared = compiled.prepare()
        self._body = AlternativeTemplate(
            EncodedTemplate(self.prepared.text.literals, self.prepared.text.keys),
            EncodedTemplate(self.prepared.html.literals, self.prepared.html.keys),
        )
        # DKIM: the body's shared pieces are canonicalised once for the whole campaign
        self._body_hash = identity.dkim.shared_body(self._body.fixed) if identity.dkim else None
        self.test = test
        org = identity.org
        # The headers every recipient's copy shares, encoded once; the subject too when it is not personal
        self._from = fold_header("From", format_address(org.name, org.address))
        # RFC 2919: only the phrase may be encoded; the <list-id> stays plain for mail filters.
        self._list_id = fold_header("List-Id", format_address(org.name, identity.list_id))
        self._fixed_tail = b"".join(
            fold_header(name, value)
            for name, value in (
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                ("Precedence", "bulk"),  # out-of-office responders stay quiet
                ("X-Auto-Response-Suppress", "OOF, AutoReply"),
                (OUR_MARKER_HEADER, NEWSLETTER_KIND),
            )
        )
        self._subject: tuple[str, bytes] = ("", b"")

    def _subject_header(self, subject: str) -> bytes:
        if self._subject[0] != subject or not self._subject[1]:
            self._subject = (subject, fold_header("Subject", subject))
        return self._subject[1]

    def build(self, recipient: Recipient) -> OutgoingMail:
        ident = self.identity
        token = ident.tokens.make(Purpose.UNSUBSCRIBE, recipient.email)
        unsubscribe_url = ident.links.unsubscribe(token)
        values = {
            "recipient.email": recipient.email,
            "recipient.greeting_name": greeting_name(recipient.name),
            "links.unsubscribe": unsubscribe_url,
        }
        subject = self.prepared.subject.fill(values)
        subject = f"[Test] {subject}" if self.test else subject
        message_id = (
            f"kkn{self.newsletter_id}.{recipient.delivery_id or 0}.{secrets.token_hex(6)}@{ident.org.domain}"
        )
        unsubscribe = f"<{unsubscribe_url}>, <{unsubscribe_mailto(ident.org.address, token)}>"
        head = b"".join(
            [
                self._from,
                fold_header("To", format_address(recipient.name, recipient.email)),
                self._subject_header(subject),
                fold_header("Date", date_header(utcnow())),
                fold_header("Message-ID", f"<{message_id}>"),
                self._list_id,
                fold_header("List-Unsubscribe", unsubscribe),
                self._fixed_tail,
                fold_header(OUR_SEAL_HEADER, ident.tokens.seal(NEWSLETTER_KIND, message_id)),
                self._body.mime_headers,
            ]
        )
        variable = self._body.variable(values, {key: escape(value) for key, value in values.items()})
        parts = [head, b"\r\n", *interleave(self._body.fixed, variable)]
        if ident.dkim is not None and self._body_hash is not None:
            parts.insert(0, ident.dkim.signature(head, self._body_hash.digest(variable)))
        raw = b"".join(parts)  # the one copy of the message's bytes
        sender = ident.org.address
        if ident.return_paths is not None and recipient.subscriber_id is not None:
            sender = ident.return_paths.make(recipient.subscriber_id)
        return OutgoingMail(sender, message_id, raw)
