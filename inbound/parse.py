"""Bytes in, ParsedMail out: the one place that knows about ``email.message``, and the only parse of a mail.

Parsing is tolerant: headers are read from their raw source and decoded by ``inbound.headers`` (RFC 2047
in any charset, raw 8-bit as ``inbound.charsets`` reads it), so a broken header degrades to its best readable text
instead of raising. Only input that is not a message at all raises ``UnparseableMail``. Attachments come
out with their decoded bytes, so nothing downstream reads the raw message again.

The stdlib parser runs with the ``compat32`` policy: ``policy.default`` builds structured header objects on
every access, which made parsing 13 times slower, and everything here decodes raw header text itself.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

from kulturkluster.errors import ErrorKind, KulturklusterError
from subscribers.address import try_normalize

from . import bounce, bounce_text, charsets, recover
from .feed import decoded_payload as _decoded
from .feed import message_from_bytes as _message
from .feed import spool_base64
from .headers import bytes_to_text, decode_text, has_surrogates, unfold
from .message import Attachment, ParsedMail
from .part_type import part_type

# Headers kept verbatim (decoded) for the loop, bounce and list rules.
KEPT_HEADERS = frozenset(
    {
        # where the mail was delivered: a bounce to our VERP return path names its subscriber there
        "to",
        "delivered-to",
        "x-original-to",
        "envelope-to",
        "x-envelope-to",
        "auto-submitted",
        "x-autoreply",
        "x-autorespond",
        "x-auto-response-suppress",
        "precedence",
        "x-precedence",
        "list-id",
        "list-unsubscribe",
        "x-failed-recipients",
        "x-kulturkluster",
        "x-kulturkluster-seal",
        "x-mailer",
        "feedback-type",
        "x-loop",
    }
)
_MSGID = re.compile(r"<([^<>\s]+)>")
# One "Name <local@domain>" or bare "local@domain", without any of the characters that make an address
# header more than that (quotes, comments, groups, lists, escapes, dots in the name): what a pattern reads
# the way ``email.utils.getaddresses`` does (tests/unit/test_parse_addresses.py compares them).
_ADDR_SPEC = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9.-]+"
_SIMPLE_ADDRESS = re.compile(rf"\s*(?:([^\"\\<>()\[\],;:@.]*?)\s*<({_ADDR_SPEC})>|({_ADDR_SPEC}))\s*\Z")
# What a delivery report returns of the original besides an attached message (which is an attachment).
_RETURNED_PARTS = frozenset({"message/delivery-status", "text/rfc822-headers"})


class UnparseableMail(KulturklusterError):
    """The bytes are not an email message."""

    kind = ErrorKind.INVALID


def _starts_with_header(raw: bytes) -> bool:
    head = raw[:65536].lstrip()
    return b":" in head.split(b"\n", 1)[0] or head.startswith(b"From ")


def parse(raw: bytes) -> ParsedMail:
    """Parse one RFC 5322 message. Never raises for a broken message, only for a non-message."""
    if not raw.strip():
        raise UnparseableMail("empty message")
    if not _starts_with_header(raw):
        # A separator line before the headers is still a message a person can read.
        repaired = recover.repair_header_block(raw.lstrip())
        if not _starts_with_header(repaired):
            raise UnparseableMail("no header block: the first line is not a header")
        return _parse(repaired, len(raw))
    mail = _parse(raw, len(raw))
    if mail.from_address is None:
        # Only a broken header block pays for the repair; a message that reads well is never rewritten.
        repaired_mail = _parse(recover.repair_header_block(raw), len(raw))
        if repaired_mail.from_address is not None:
            return repaired_mail
    return mail


def _sender(headers: dict[str, list[str]]) -> tuple[str, str | None]:
    """From; else an address written loosely in From; else Sender, else Reply-To (Zammad reads it so)."""
    from_value = headers.get("from", [""])[0]
    name, address = _first_address(from_value)
    if address is None:
        loose = recover.loose_address(decode_text(from_value))
        address = try_normalize(loose) if loose else None
        if address is not None:
            name = unfold(from_value.replace(loose or "", ""))
    for fallback in ("sender", "reply-to"):
        if address is None:
            name, address = _first_address(headers.get(fallback, [""])[0])
    return name, address


def _parse(raw: bytes, size: int) -> ParsedMail:
    return parse_message(_message(raw), size, lambda: raw)


def parse_message(msg: Message, size: int, raw: Callable[[], bytes], spool: Path | None = None) -> ParsedMail:
    """``msg`` as a ParsedMail. ``raw`` gives the message's bytes, asked for only by a suspected bounce;
    with ``spool``, big base64 attachments go to files there instead of being kept as bytes."""
    headers = _raw_headers(msg)
    from_name, from_address = _sender(headers)
    text, html, attachments, returned = _bodies(msg, spool)
    content_type = msg.get_content_type()
    subject = unfold(headers.get("subject", [""])[0])
    return_path = _return_path(headers.get("return-path"))
    suspect = bounce.looks_like_bounce(from_address, return_path, subject, content_type, text)
    return ParsedMail(
        message_id=_first_msgid(headers.get("message-id", [""])[0]),
        from_address=from_address,
        from_name=from_name,
        subject=subject,
        date=_date(headers.get("date", [""])[0]),
        reply_to=_addresses(headers.get("reply-to", [])),
        to=_addresses(headers.get("to", [])),
        cc=_addresses(headers.get("cc", [])),
        in_reply_to=tuple(_MSGID.findall(" ".join(headers.get("in-reply-to", [])))),
        references=tuple(_MSGID.findall(" ".join(headers.get("references", [])))),
        return_path=return_path,
        content_type=content_type,
        report_type=_report_type(msg) if content_type == "multipart/report" else None,
        text=text,
        html=html,
        attachments=tuple(attachments),
        authentication_results=tuple(headers.get("authentication-results", [])),
        headers={name: values[0] for name, values in headers.items() if name in KEPT_HEADERS},
        defects=tuple(type(d).__name__ for d in msg.defects),
        size=size,
        bounce=_failures(raw(), text, msg) if suspect else bounce.Failures(),
        complaint_addresses=_complaint_addresses(msg) if content_type == "multipart/report" else (),
        returned="\n".join([*(f"{name}: {value}" for name, value in msg.raw_items()), *returned]),
    )


def _failures(raw: bytes, text: str, msg: Message) -> bounce.Failures:
    found = bounce.detect(raw, msg)
    if found:
        return found
    # A report whose MIME structure is broken may have no readable text part; its raw lines still say it.
    named = bounce_text.failed_addresses(text) or bounce_text.failed_addresses(raw.decode("latin-1"))
    return bounce.Failures(permanent=named)


def _raw_headers(msg: Message) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    hint: str | None = None
    for name, value in msg.raw_items():
        text = str(value)
        if has_surrogates(text):
            # Raw 8-bit header: UTF-8 if it reads as UTF-8 (``charsets.decode`` tries that first too), else
            # in the charset the message's text declares, if it fits (only then is the hint looked up).
            data = text.encode("ascii", "surrogateescape")
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                hint = hint or _charset_hint(msg)
                text = charsets.decode(data, None, hint)
        headers.setdefault(name.strip().lower(), []).append(text)
    return headers


# Labels that say nothing about 8-bit headers: Latin-1 decodes any byte (and undeclared Latin text is
# read as Windows-1252 anyway); a wrapper part (a spam filter's report) often carries it.
_NO_HINT = frozenset({"us-ascii", "ascii", "utf-8", "iso-8859-1", "iso-8859-15", "windows-1252", "latin1"})


def _charset_hint(msg: Message) -> str:
    for index, part in enumerate(msg.walk()):
        charset = part.get_content_charset()
        if charset and charset.lower() not in _NO_HINT:
            return charset
        if index > 20:
            break
    return "utf-8"


def _first_msgid(value: str) -> str | None:
    found = _MSGID.search(value)
    if found:
        return found.group(1)
    bare = value.strip()
    return bare if bare and " " not in bare else None


def _first_address(value: str) -> tuple[str, str | None]:
    pairs = _address_pairs([value])
    if not pairs:
        return "", None
    name, addr = pairs[0]
    return name, try_normalize(addr)


def _addresses(values: list[str]) -> tuple[str, ...]:
    found = (try_normalize(addr) for _name, addr in _address_pairs(values))
    return tuple(addr for addr in found if addr)


def _address_pairs(values: list[str]) -> list[tuple[str, str]]:
    raw = [v for v in values if v]
    if not raw:
        return []
    # Decode raw 8-bit first; encoded words in display names are decoded per name afterwards.
    cleaned = [bytes_to_text(v.encode("ascii", "surrogateescape")) if has_surrogates(v) else v for v in raw]
    simple = [_SIMPLE_ADDRESS.match(value) for value in cleaned]
    if all(simple):  # nearly all mail: read as getaddresses reads it, at a tenth of the cost
        pairs = [(m.group(1) or "", m.group(2) or m.group(3)) for m in simple if m is not None]
    else:
        try:
            pairs = email.utils.getaddresses(cleaned)
        except Exception:
            return []
    return [(unfold(name), addr) for name, addr in pairs if addr and "@" in addr]


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(decode_text(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _return_path(values: list[str] | None) -> str | None:
    if not values:
        return None
    value = values[-1].strip()
    if value in {"<>", ""}:
        return ""
    return try_normalize(value) or value.strip("<>")


def _bodies(msg: Message, spool: Path | None) -> tuple[str, str | None, list[Attachment], list[str]]:
    """Body text, HTML, attachments with their bytes (or spooled to files), and the texts of
    returned-message parts."""
    text_parts: list[str] = []
    html_parts: list[str] = []
    attachments: list[Attachment] = []
    returned: list[str] = []
    for part in _leaf_parts(msg):
        facts = part_type(part)
        ctype, filename = facts.content_type, facts.filename
        disposition = (facts.disposition or "").lower()
        if ctype in _RETURNED_PARTS:
            returned.append(_returned_text(part))
        elif disposition == "attachment" or filename or ctype not in {"text/plain", "text/html"}:
            # Text and message parts stay in memory: a bounce may quote our tokens there.
            spooled = (
                spool_base64(part, spool) if spool and not ctype.startswith(("text/", "message/")) else None
            )
            if spooled is not None:
                attachments.append(Attachment(filename, ctype, spooled.size, spooled=spooled))
                continue
            payload = _decoded(part)
            data = payload if payload is not None else _serialized(part)
            attachments.append(Attachment(filename, ctype, len(data), data))
        else:
            (html_parts if ctype == "text/html" else text_parts).append(_part_text(part, facts.charset))
    text = "\n\n".join(p for p in text_parts if p.strip())
    html = "\n".join(html_parts) if html_parts else None
    return text.replace("\x00", ""), html.replace("\x00", "") if html else None, attachments, returned


def _returned_text(part: Message) -> str:
    """A delivery-status or returned-headers part as text (Latin-1 keeps every byte as it came)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # message/delivery-status: one header block per recipient
        blocks = [_serialized(block, whole=True) for block in payload if isinstance(block, Message)]
        return "\n".join(block.decode("latin-1") for block in blocks)
    return _part_bytes(part).decode("latin-1")


def _complaint_addresses(msg: Message) -> tuple[str, ...]:
    """Recipients named by an ARF spam complaint (RFC 5965): Original-Rcpt-To, else the original's To."""
    if (_report_type(msg) or "").lower() != "feedback-report":
        return ()
    found: list[str] = []
    originals: list[str] = []
    for part in _leaf_parts(msg):
        payload = part.get_payload()
        inner = (
            payload[0] if isinstance(payload, list) and payload and isinstance(payload[0], Message) else None
        )
        ctype = part.get_content_type()
        if ctype == "message/feedback-report" and inner is not None:
            found += [v for v in (inner.get_all("Original-Rcpt-To") or []) if isinstance(v, str)]
        elif ctype in {"message/rfc822", "text/rfc822-headers"}:
            source = inner if inner is not None else _message(_part_bytes(part))
            originals += [v for v in (source.get_all("To") or []) if isinstance(v, str)]
    return _addresses(found) or _addresses(originals)


def _part_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _report_type(msg: Message) -> str | None:
    value = msg.get_param("report-type", header="content-type")
    return value if isinstance(value, str) and value else None


def _leaf_parts(part: Message) -> list[Message]:
    """The non-multipart parts, without descending into attached messages (forwards, DSN returns)."""
    if part.get_content_maintype() == "message":
        return [part]
    if part.is_multipart():  # only then: a leaf's ``get_payload`` would decode its whole text
        payload = part.get_payload()
        if isinstance(payload, list):
            return [leaf for sub in payload if isinstance(sub, Message) for leaf in _leaf_parts(sub)]
    return [part]


def _serialized(part: Message, *, whole: bool = False) -> bytes:
    """An attached message (message/rfc822; ``whole``: ``part`` itself) as bytes; empty if it is too
    broken to serialise."""
    payload = part.get_payload()
    inner = payload[0] if not whole and isinstance(payload, list) and payload else part
    try:
        return inner.as_bytes() if isinstance(inner, Message) else b""
    except Exception:  # an attached message too broken to serialise still counts as one
        return b""


def _part_text(part: Message, charset: str | None) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return bytes_to_text(payload, charset)
