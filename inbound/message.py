"""The parsed form of an inbound message: plain, frozen data that everything downstream takes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .bounce import Failures


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str | None
    content_type: str
    size: int


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

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def from_domain(self) -> str | None:
        return self.from_address.rpartition("@")[2] if self.from_address else None

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this message answers: In-Reply-To first, then References newest first."""
        seen: dict[str, None] = dict.fromkeys(self.in_reply_to)
        seen.update(dict.fromkeys(reversed(self.references)))
        return tuple(seen)
