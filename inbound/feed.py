"""Reading a large message with as few copies of it in memory as the standard library allows.

A 50 MB mail is parsed in a worker process (``inbound.isolation``), which reads it from a file in pieces
and writes its big base64 attachments to files in pieces (``spool_base64``), so neither the message nor an
attachment is ever held whole as bytes; what remains is the stdlib parser's own copy of the encoded text.
"""

from __future__ import annotations

import binascii
import hashlib
import os
import uuid
from email import policy
from email.feedparser import BytesFeedParser
from email.message import Message
from pathlib import Path

from cases.attachments import SpooledFile

# ``BytesParser.parsebytes`` decodes the whole message to one str and copies it into a StringIO before
# feeding it on: two extra copies of a 50 MB mail. Feeding the same bytes in pieces gives the same tree.
_FEED_CHUNK = 1 << 16
# A base64 part at least this large is decoded in one step (``decoded_payload``), not by ``get_payload``.
_BIG_PART = 1 << 20


def message_from_bytes(raw: bytes) -> Message:
    feeder = BytesFeedParser(policy=policy.compat32)
    view = memoryview(raw)
    for start in range(0, len(raw), _FEED_CHUNK):
        feeder.feed(bytes(view[start : start + _FEED_CHUNK]))
    return feeder.close()


def message_from_file(path: Path) -> Message:
    """``message_from_bytes`` for a message in a file, read in pieces (the bytes are never whole)."""
    feeder = BytesFeedParser(policy=policy.compat32)
    with path.open("rb") as handle:
        while chunk := handle.read(_FEED_CHUNK):
            feeder.feed(chunk)
    return feeder.close()


# Everything that is not in the base64 alphabet (line breaks, stray characters) is skipped, as
# ``a2b_base64`` itself does; removing it first keeps each piece a whole number of 4-character groups.
_NOT_BASE64 = bytes(
    sorted(set(range(256)) - set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="))
)
_SPOOL_CHUNK = 1 << 20


def spool_base64(part: Message, directory: Path) -> SpooledFile | None:
    """Decode a large base64 part straight into a file under ``directory``, hashing it on the way.

    None when the part is not a large base64 part, or its text does not decode (the caller then takes
    the standard way, which is lenient about broken padding).
    """
    payload = part.get_payload()
    if not (
        isinstance(payload, str)
        and len(payload) >= _BIG_PART
        and part.get("content-transfer-encoding", "").strip().lower() == "base64"
    ):
        return None
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"att-{uuid.uuid4().hex}"
    digest, size, carry = hashlib.sha256(), 0, b""
    try:
        with path.open("wb") as out:
            for start in range(0, len(payload), _SPOOL_CHUNK):
                piece = payload[start : start + _SPOOL_CHUNK].encode("ascii", "surrogateescape")
                piece = carry + piece.translate(None, _NOT_BASE64)
                cut = len(piece) - len(piece) % 4
                if b"=" in piece[:cut]:  # padding: the data ends here, whatever follows
                    cut = min(cut, piece.index(b"=") // 4 * 4 + 4)
                    carry = b""
                    decoded = binascii.a2b_base64(piece[:cut])
                    digest.update(decoded)
                    size += out.write(decoded)
                    break
                piece, carry = piece[:cut], piece[cut:]
                decoded = binascii.a2b_base64(piece)
                digest.update(decoded)
                size += out.write(decoded)
            if carry:
                decoded = binascii.a2b_base64(carry + b"=" * (-len(carry) % 4))
                digest.update(decoded)
                size += out.write(decoded)
            out.flush()
            os.fsync(out.fileno())
    except (binascii.Error, OSError):
        path.unlink(missing_ok=True)
        return None
    return SpooledFile(str(path), digest.hexdigest(), size)


def decoded_payload(part: Message) -> bytes | None:
    """``get_payload(decode=True)``, without its copies for a large, well-formed base64 part.

    ``get_payload`` splits the encoded text into lines and joins them before decoding; ``a2b_base64``
    skips the line breaks itself. Anything it refuses (bad padding) goes the standard way.
    """
    payload = part.get_payload()
    if (
        isinstance(payload, str)
        and len(payload) >= _BIG_PART
        and part.get("content-transfer-encoding", "").strip().lower() == "base64"
    ):
        try:
            return binascii.a2b_base64(payload.encode("ascii", "surrogateescape"))
        except binascii.Error:
            pass
    decoded = part.get_payload(decode=True)
    return decoded if isinstance(decoded, bytes) else None
