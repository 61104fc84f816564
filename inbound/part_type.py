"""A MIME part's type, disposition, file name and charset, from its two headers read once.

The stdlib answers each of ``get_content_type``, ``get_content_disposition``, ``get_filename`` and
``get_content_charset`` by fetching and splitting the header again (the file name from two headers).
Headers without escapes, RFC 2231 parameters (``*``), comments,
8-bit bytes or a semicolon in quotes, which is what nearly every mail has (``text/plain; charset="utf-8"``),
are split here once, the way ``email.message`` splits them; anything else is answered by the stdlib itself.
tests/unit/test_part_type.py compares the two on every part of the fixtures and the peer corpus.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.utils import unquote

from .headers import unfold

# A header value the plain split reads exactly as ``email.message`` does: quoted strings only whole and
# without a semicolon or an escape in them (the stdlib splits at a semicolon outside quotes).
_PLAIN = re.compile(r'(?:[^"\\*()\x80-\U0010ffff]|"[^"\\;\x80-\U0010ffff]*")*\Z')


@dataclass(frozen=True, slots=True)
class PartType:
    content_type: str
    disposition: str | None  # lower-cased, as ``get_content_disposition``
    filename: str | None  # unfolded; None for none or an empty one
    charset: str | None  # lower-cased, as ``get_content_charset``


def part_type(part: Message) -> PartType:
    content_type = part.get("content-type")
    disposition = part.get("content-disposition")
    if _plain(content_type) and _plain(disposition):
        return _split(part, content_type, disposition)
    return PartType(part.get_content_type(), part.get_content_disposition(), _filename(part), _charset(part))


def _plain(value: object) -> bool:
    return value is None or (isinstance(value, str) and _PLAIN.match(value) is not None)


def _split(part: Message, content_type: str | None, disposition: str | None) -> PartType:
    type_params = _params(content_type)
    if content_type is None:
        ctype = part.get_default_type()
    else:
        ctype = content_type.partition(";")[0].strip().lower()
        if ctype.count("/") != 1:
            ctype = "text/plain"
    disposition_params = _params(disposition)
    name = disposition_params.get("filename")
    if name is None:
        name = type_params.get("name")
    filename = unquote(name).strip() if name is not None else None  # ``collapse_rfc2231_value``
    charset = type_params.get("charset")
    return PartType(
        ctype,
        disposition.partition(";")[0].strip().lower() if disposition is not None else None,
        unfold(filename) if filename else None,
        charset.lower() if charset is not None else None,
    )


def _params(value: str | None) -> dict[str, str]:
    """Each parameter's first value, unquoted, by lower-cased name (the type itself among them, as the
    stdlib's split has it: a header of only ``charset=x`` names a charset)."""
    found: dict[str, str] = {}
    if value is None:
        return found
    for piece in value.split(";"):
        name, equals, found_value = piece.partition("=")
        key = name.strip().lower() if equals else piece.strip().lower()
        if key not in found:
            found[key] = unquote(found_value.strip()) if equals else ""
    return found


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        return None
    return unfold(name) if name else None


def _charset(part: Message) -> str | None:
    charset = part.get_content_charset()
    return charset if isinstance(charset, str) else None
