"""Reading a large message with as few copies of it in memory as the standard library allows.

A 50 MB mail is parsed in a worker process (``inbound.isolation``); these two functions keep its peak
memory near a few times the message instead of ten.
"""

from __future__ import annotations

import binascii
from email import policy
from email.feedparser import BytesFeedParser
from email.message import Message

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
