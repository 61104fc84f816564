"""What an uploaded file really is, read from its bytes alone (never from its name or declared type).

``sniff`` names the format by its signature; ``layout`` walks the container's own structure (JPEG
segments, PNG chunks, GIF blocks, WebP's RIFF chunks) to find where the image ends and which parts are
metadata (comments, EXIF, XMP, text chunks). ``foreign_content`` looks where a polyglot hides something
else (markup, script, an archive): in the metadata and after the end. The compressed pixels are not
searched: they are random-looking bytes, where short patterns turn up by chance.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

JPEG, PNG, GIF, WEBP = "JPEG", "PNG", "GIF", "WEBP"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Markup and script that no picture needs: an HTML or SVG document, or script hidden in a comment.
_MARKUP = re.compile(rb"<\s*(script|svg|html|body|iframe|object|embed|\?php|!doctype)|javascript:", re.I)
# Signatures of other files that polyglots carry: ZIP (JAR, docx), PDF, RAR, 7-Zip, ELF, PE.
_OTHER_FILES = (b"PK\x03\x04", b"PK\x05\x06", b"%PDF-", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\x7fELF")
_ZIP_END = b"PK\x05\x06"
_ZIP_END_REACH = 22 + 65535  # a ZIP reader looks for its end record this far from the end of the file
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}
_PNG_TEXT = {b"tEXt", b"iTXt", b"eXIf"}
_WEBP_META = {b"EXIF", b"XMP "}


@dataclass(frozen=True, slots=True)
class Layout:
    end: int  # the offset just past the image's last byte
    metadata: tuple[bytes, ...]  # comments, EXIF, XMP, text chunks: bytes no decoder needs for pixels


def sniff(data: bytes) -> str | None:
    """The image format by its signature, or None for anything else (SVG, HTML, PDF, ...)."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(_PNG_SIGNATURE):
        return PNG
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def layout(data: bytes, kind: str) -> Layout | None:
    """Where the image ends and what its metadata is; None when its structure is broken."""
    walkers = {JPEG: _jpeg, PNG: _png, GIF: _gif, WEBP: _webp}
    try:
        found = walkers[kind](data)
    except (IndexError, ValueError, struct.error):
        return None
    return found if found is not None and found.end <= len(data) else None


def foreign_content(data: bytes, found: Layout) -> bool:
    """True when the file carries something besides the image.

    After the end: markup, another file's signature at its start or a ZIP end record within reach, or
    text (a script). Padding (zero bytes) and binary data such as a phone's motion-photo video are let
    be: they are dropped when the image is re-encoded. In the metadata: markup or another file.
    """
    tail = data[found.end :].rstrip(b"\x00")
    if tail:
        if tail.lstrip()[:1] == b"<" or tail.startswith(_OTHER_FILES) or _MARKUP.search(tail[:4096]):
            return True
        if _ZIP_END in data[-_ZIP_END_REACH:] and _ZIP_END in tail:
            return True
        if _mostly_text(tail):
            return True
    return any(_MARKUP.search(part) or any(s in part for s in _OTHER_FILES) for part in found.metadata)


def _mostly_text(tail: bytes) -> bool:
    sample = tail[:4096]
    printable = sum(1 for byte in sample if byte in _PRINTABLE)
    return len(sample) >= 4 and printable / len(sample) > 0.9


def _jpeg(data: bytes) -> Layout | None:
    metadata: list[bytes] = []
    pos = 2  # after SOI
    while pos < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI
            return Layout(pos + 2, tuple(metadata))
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        length = struct.unpack_from(">H", data, pos + 2)[0]
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:  # APPn (EXIF, XMP, ICC, ...) and comments
            metadata.append(data[pos + 4 : pos + 2 + length])
        pos += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data until the next real marker
            while True:
                pos = data.index(b"\xff", pos)
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos += 2
                elif following == 0xFF:
                    pos += 1
                else:
                    break
    return None


def _png(data: bytes) -> Layout | None:
    metadata: list[bytes] = []
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        if kind in _PNG_TEXT:
            metadata.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length  # length, type, data, CRC
        if kind == b"IEND":
            return Layout(pos, tuple(metadata))
    return None


def _gif(data: bytes) -> Layout | None:
    metadata: list[bytes] = []
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while True:
        block = data[pos]
        if block == 0x3B:  # trailer
            return Layout(pos + 1, tuple(metadata))
        if block == 0x21:  # extension: label, then sub-blocks
            label = data[pos + 1]
            pos, content = _sub_blocks(data, pos + 2)
            if label in (0x01, 0xFE, 0xFF):  # plain text, comment, application
                metadata.append(content)
        elif block == 0x2C:  # image descriptor, local colour table, LZW code size, sub-blocks
            local = data[pos + 9]
            pos += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            pos, _pixels = _sub_blocks(data, pos + 1)
        else:
            return None


def _sub_blocks(data: bytes, pos: int) -> tuple[int, bytes]:
    parts = []
    while data[pos]:
        parts.append(data[pos + 1 : pos + 1 + data[pos]])
        pos += data[pos] + 1
    if pos >= len(data):
        raise IndexError(pos)
    return pos + 1, b"".join(parts)


def _webp(data: bytes) -> Layout | None:
    size: int = struct.unpack_from("<I", data, 4)[0]
    end = 8 + size + (size & 1)
    metadata: list[bytes] = []
    pos = 12
    while pos + 8 <= min(end, len(data)):
        kind, length = struct.unpack_from("<4sI", data, pos)
        if kind in _WEBP_META:
            metadata.append(data[pos + 8 : pos + 8 + length])
        pos += 8 + length + (length & 1)
    return Layout(end, tuple(metadata))
