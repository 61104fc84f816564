"""The parsed form of an inbound message: plain, frozen data that everything downstream takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cases.attachments import SpooledFile
from kulturkluster.errors import ErrorKind, KulturklusterError

from .bounce import Failures


class NoSender(KulturklusterError):
    """A mail without a usable From address reached a handler that needs one (the classifier sends such
    mail to quarantine, so this is a routing bug or a hand-made route)."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class Attachment:
    """One attachment with its decoded bytes (``size`` is their length)."""

    filename: str | None
    content_type: str
    size: int
    data: bytes = field(default=b"", repr=False, compare=False)
    spooled: SpooledFile | None = None  # a big attachment the parse worker wrote to a file; ``data`` empty


_QUOTING = ("text/", "message/")


@dataclass(frozen=True, slots=True)
class ParsedMail:
    """What the pipeline needs to know about one message, decoded once.

    Addresses are normalised (domain lower-cased), header texts are decoded (RFC 2047, raw 8-bit) and
    unfolded. ``headers`` keeps the loop- and bounce-related headers by lower-case name.
    """

    message_id: str | None
    from_address: str | None
    from_name: str
    subject: str
    date: datetime | None = None
    reply_to: tuple[str, ...] = ()
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    return_path: str | None = None
    content_type: str = "text/plain"
    report_type: str | None = None
    text: str = ""
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    authentication_results: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    defects: tuple[str, ...] = ()
    size: int = 0
    bounce: Failures = field(default_factory=Failures)  # what the bounce detectors found (often nothing)
    complaint_addresses: tuple[str, ...] = ()  # recipients named by an ARF spam complaint
    # Every header line, and what a delivery report returns of the original (text/rfc822-headers,
    # message/delivery-status): where a bounce carries the tokens of the mail we sent.
    returned: str = ""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def sender(self) -> str:
        """The From address; raises ``NoSender`` for mail without one."""
        if not self.from_address:
            raise NoSender(f"message {self.message_id or '(no Message-ID)'} has no usable From address")
        return self.from_address

    def bounce_texts(self) -> list[str]:
        """Where a bounce may quote the mail we sent: headers, bodies, the returned message or headers,
        and text or message attachments (as Latin-1, which keeps every byte: our tokens are ASCII)."""
        texts = [self.returned, self.text, self.html or ""]
        texts += [a.data.decode("latin-1") for a in self.attachments if a.content_type.startswith(_QUOTING)]
        return texts

    @property
    def from_domain(self) -> str | None:
        return self.from_address.rpartition("@")[2] if self.from_address else None

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this message answers: In-Reply-To first, then References newest first."""
        seen: dict[str, None] = dict.fromkeys(self.in_reply_to)
        seen.update(dict.fromkeys(reversed(self.references)))
        return tuple(seen)
