"""Header text, decoded one way everywhere: the pipeline's parser and the staff pages use these.

Headers are read from their raw source (the stdlib ``compat32`` policy) and decoded here: RFC 2047 encoded
words in any charset, raw 8-bit as ``inbound.charsets`` reads it. A broken header degrades to its best readable
text instead of raising.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from email import policy
from email.header import decode_header
from email.parser import BytesHeaderParser

from . import charsets

_WS = re.compile(r"\s+")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_HEADER_PARSER = BytesHeaderParser(policy=policy.compat32)
HEADER_BLOCK_LIMIT = 256_000  # bytes read for the header block when the blank line never comes


def decode_text(value: str) -> str:
    """Decode a raw header value: RFC 2047 encoded words in any charset, or raw 8-bit bytes."""
    if has_surrogates(value):
        value = bytes_to_text(value.encode("ascii", "surrogateescape"))
    if "=?" not in value:
        return value
    try:
        # Unfold first: decode_header drops the space that starts a folded line ("vår\n keramik").
        parts = decode_header(_FOLD.sub("", value))
    except Exception:
        return value
    out: list[str] = []
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(bytes_to_text(chunk, charset))
    return "".join(out)


def unfold(value: str) -> str:
    """A header value decoded, NFC-normalised, without NUL and on one line."""
    text = decode_text(value)
    text = unicodedata.normalize("NFC", text).replace("\x00", "")
    return _WS.sub(" ", text).strip()


_SURROGATE = re.compile("[\udc80-\udcff]")


def has_surrogates(value: str) -> bool:
    """Raw 8-bit bytes in a header, as the parser keeps them (surrogate escapes)."""
    return not value.isascii() and _SURROGATE.search(value) is not None


def bytes_to_text(data: bytes, charset: str | None = None) -> str:
    """Text in its declared charset; undeclared 8-bit as UTF-8, Latin or what a detector finds."""
    return charsets.decode(data, charset)


def header_values(raw: bytes, names: Sequence[str]) -> list[tuple[str, str]]:
    """The headers ``names`` of a message, in that order (each as often as it occurs), decoded as the
    pipeline decodes them, from the header block only (a huge body is never parsed for this)."""
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    block = raw[: end if 0 <= end < HEADER_BLOCK_LIMIT else HEADER_BLOCK_LIMIT]
    found: dict[str, list[str]] = {}
    for name, value in _HEADER_PARSER.parsebytes(block).raw_items():
        found.setdefault(name.strip().lower(), []).append(str(value))
    return [(name, unfold(value)) for name in names for value in found.get(name.lower(), [])]
