"""MIME composition: a rendered mail becomes an RFC 5322 message with the headers our answers need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import make_msgid

from kulturkluster.answers import OUR_MARKER_HEADER, OUR_SEAL_HEADER
from kulturkluster.db import utcnow
from subscribers.tokens import TokenSigner

from .answer_template import AnswerTemplate
from .mime import FilePart, build_alternative, build_mixed, date_header, fold_header, format_address
from .render import Rendered


@dataclass(frozen=True, slots=True)
class Addressing:
    """The From/To and threading headers of a message: who it is from and to, where it sits in a thread.

    Not the SMTP envelope (MAIL FROM/RCPT TO): that is what a transport is given when the message leaves.
    """

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


@dataclass(frozen=True, slots=True)
class Composed:
    message_id: str  # without <>
    subject: str
    raw: bytes


def compose(
    rendered: Rendered,
    addressing: Addressing,
    *,
    automatic: bool,
    kind: str,
    signer: TokenSigner,
    files: Sequence[FilePart] = (),
) -> Composed:
    """Build a multipart/alternative UTF-8 message (inside multipart/mixed with ``files``, if any).

    ``automatic`` marks an answer no person wrote (RFC 3834), so well-behaved responders stay quiet.
    """
    message_id, headers = _headers(
        rendered.subject, addressing, automatic=automatic, kind=kind, signer=signer
    )
    if files:
        return Composed(
            message_id, rendered.subject, build_mixed(headers, rendered.text, rendered.html, files)
        )
    return Composed(message_id, rendered.subject, build_alternative(headers, rendered.text, rendered.html))


def compose_from(
    template: AnswerTemplate,
    values: dict[str, str],
    addressing: Addressing,
    *,
    automatic: bool,
    kind: str,
    signer: TokenSigner,
) -> Composed:
    """``compose`` of ``template`` filled with ``values``: the same message, with the body's fixed pieces
    encoded once for every recipient of the template (``mailer.answer_template``)."""
    subject = template.subject_for(values)
    message_id, headers = _headers(subject, addressing, automatic=automatic, kind=kind, signer=signer)
    head = b"".join(fold_header(name, value) for name, value in headers)
    return Composed(message_id, subject, head + template.body_for(values))


def _headers(
    subject: str, addressing: Addressing, *, automatic: bool, kind: str, signer: TokenSigner
) -> tuple[str, list[tuple[str, str]]]:
    """The message's Message-ID (without <>) and its header fields before the MIME ones, in order."""
    domain = addressing.from_address.rpartition("@")[2]
    message_id = addressing.message_id or new_message_id(domain)
    headers = [
        ("From", format_address(addressing.from_name, addressing.from_address)),
        ("To", format_address(addressing.to_name, addressing.to_address)),
        ("Subject", subject),
        ("Date", date_header(utcnow())),
        ("Message-ID", f"<{message_id}>"),
    ]
    if addressing.in_reply_to:
        refs = dict.fromkeys([*addressing.references, addressing.in_reply_to])
        headers += [
            ("In-Reply-To", f"<{addressing.in_reply_to}>"),
            ("References", " ".join(f"<{r}>" for r in refs)),
        ]
    if automatic:
        headers += [("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")]
    headers += [(OUR_MARKER_HEADER, kind), (OUR_SEAL_HEADER, signer.seal(kind, message_id))]
    headers += list(addressing.extra_headers.items())
    return message_id, headers
