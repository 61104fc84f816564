"""MIME composition: a rendered mail becomes an RFC 5322 message with the headers our answers need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from kulturkluster.db import utcnow

from .render import Rendered

OUR_MARKER_HEADER = "X-Kulturkluster"


@dataclass(frozen=True, slots=True)
class Envelope:
    """Who a message is from and to, and where it sits in a thread."""

    from_address: str
    from_name: str
    to_address: str
    to_name: str = ""
    message_id: str | None = None  # without <>; generated when None
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    extra_headers: dict[str, str] = field(default_factory=dict)


def new_message_id(domain: str, local: str | None = None) -> str:
    """A fresh Message-ID (without <>), optionally with a chosen local part (e.g. carrying a token)."""
    if local:
        return f"{local}@{domain}"
    return make_msgid(domain=domain)[1:-1]


def compose(rendered: Rendered, envelope: Envelope, *, automatic: bool, kind: str) -> EmailMessage:
    """Build a multipart/alternative UTF-8 message.

    ``automatic`` marks an answer no person wrote (RFC 3834), so well-behaved responders stay quiet.
    """
    msg = EmailMessage(policy=SMTP)
    msg["From"] = Address(envelope.from_name, addr_spec=envelope.from_address)
    msg["To"] = (
        Address(envelope.to_name, addr_spec=envelope.to_address) if envelope.to_name else envelope.to_address
    )
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(utcnow())
    domain = envelope.from_address.rpartition("@")[2]
    msg["Message-ID"] = f"<{envelope.message_id or new_message_id(domain)}>"
    if envelope.in_reply_to:
        msg["In-Reply-To"] = f"<{envelope.in_reply_to}>"
        refs = [*envelope.references, envelope.in_reply_to]
        msg["References"] = " ".join(f"<{ref}>" for ref in dict.fromkeys(refs))
    if automatic:
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
    msg[OUR_MARKER_HEADER] = kind
    for name, value in envelope.extra_headers.items():
        msg[name] = value
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg
