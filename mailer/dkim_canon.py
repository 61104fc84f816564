"""DKIM canonicalisation (RFC 6376 3.4): pure functions over bytes, for ``mailer.dkim_sign``.

Bodies are canonicalised line by line, so a body cut into pieces that each end at a line end (CRLF) can be
canonicalised piece by piece; only empty lines at the very end of the body need the whole body in view
(``body_end``). That lets a campaign canonicalise the parts every recipient shares once (``SharedBody``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from enum import StrEnum


class Canon(StrEnum):
    SIMPLE = "simple"
    RELAXED = "relaxed"


_WSP_RUN = re.compile(rb"[ \t]+")
_WSP_BEFORE_CRLF = re.compile(rb"[ \t]+\r\n")
_TRAILING_EMPTY = re.compile(rb"(?:\r\n)+\Z")


def body_lines(data: bytes, canon: Canon) -> bytes:
    """One or more whole lines (``data`` ends in CRLF, or is empty) canonicalised, empty lines kept."""
    if canon is Canon.SIMPLE or (b" " not in data and b"\t" not in data):
        return data
    return _WSP_BEFORE_CRLF.sub(b"\r\n", _WSP_RUN.sub(b" ", data))


def body_end(canonical: bytes, canon: Canon) -> bytes:
    """The last canonicalised piece of a body with its trailing empty lines removed (3.4.3, 3.4.4).

    Only valid when ``canonical`` has a non-empty line; otherwise the caller must look further back."""
    trimmed = _TRAILING_EMPTY.sub(b"", canonical)
    if trimmed:
        return trimmed + b"\r\n"
    return b"" if canon is Canon.RELAXED else b"\r\n"  # an empty body


def whole_body(body: bytes, canon: Canon) -> bytes:
    """A whole body canonicalised; a last line without CRLF gets one first."""
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body_end(body_lines(body, canon), canon)


def has_text(canonical: bytes) -> bool:
    """Whether a canonicalised piece holds anything but empty lines."""
    return bool(canonical.replace(b"\r\n", b""))


def header_fields(block: bytes) -> list[tuple[bytes, bytes]]:
    """A header block (without the empty line) as ``(name, whole field)`` pairs in order.

    The whole field is the raw bytes from the name to its final CRLF, folding kept (simple canonicalisation
    signs it as it is)."""
    fields: list[tuple[bytes, bytes]] = []
    for line in block.split(b"\r\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and fields:
            name, raw = fields[-1]
            fields[-1] = (name, raw + line + b"\r\n")
        else:
            fields.append((line.split(b":", 1)[0].strip().lower(), line + b"\r\n"))
    return fields


def header(field: bytes, canon: Canon) -> bytes:
    """One header field (ending in CRLF) canonicalised, ending in CRLF."""
    if canon is Canon.SIMPLE:
        return field
    name, _, value = field.partition(b":")
    value = _WSP_RUN.sub(b" ", value.replace(b"\r\n", b"")).strip(b" ")
    return name.strip(b" \t").lower() + b":" + value + b"\r\n"


def select(fields: Sequence[tuple[bytes, bytes]], names: Sequence[bytes]) -> list[bytes]:
    """The fields named by ``h=`` in its order; a repeated name takes the next one from the bottom."""
    used: dict[bytes, int] = {}
    chosen: list[bytes] = []
    for name in names:
        matches = [raw for field_name, raw in fields if field_name == name]
        taken = used.get(name, 0)
        if taken < len(matches):
            chosen.append(matches[len(matches) - 1 - taken])
            used[name] = taken + 1
    return chosen


class SharedBody:
    """A body made of fixed pieces with each recipient's pieces between them, every piece whole lines.

    ``fixed`` has one piece more than each message has variable ones: fixed[0], var[0], fixed[1], ...
    The fixed pieces are canonicalised once; a message canonicalises only its own pieces, and the hash of
    everything before the first variable piece is computed once and copied.
    """

    def __init__(self, fixed: Sequence[bytes], canon: Canon) -> None:
        self.canon = canon
        canonical = [body_lines(piece, canon) for piece in fixed]
        self._last_has_text = has_text(canonical[-1])
        if self._last_has_text:
            canonical[-1] = body_end(canonical[-1], canon)
        self._fixed = canonical
        self._start = hashlib.sha256(canonical[0])

    def digest(self, variable: Sequence[bytes]) -> bytes:
        """The SHA-256 body hash of the message ``fixed[0] + variable[0] + fixed[1] + ...``."""
        if not self._last_has_text:  # rare: the body ends in empty pieces; canonicalise it whole
            pieces = [self._fixed[0]]
            for var, fixed in zip(variable, self._fixed[1:], strict=True):
                pieces += (var, fixed)
            return hashlib.sha256(whole_body(b"".join(pieces), self.canon)).digest()
        hasher = self._start.copy()
        for var, fixed in zip(variable, self._fixed[1:], strict=True):
            hasher.update(body_lines(var, self.canon))
            hasher.update(fixed)
        return hasher.digest()
