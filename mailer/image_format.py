"""What an uploaded file really is, read from its bytes alone (never from its name or declared type).

``sniff`` names the format by its signature; ``image_end`` walks the container's own structure (JPEG
segments, PNG chunks, GIF blocks, the RIFF length of WebP) to find where the image ends, so that bytes
after it (a ZIP archive, a script) are seen. ``foreign_content`` looks for what a polyglot hides: markup,
script or a second file format.
"""

from __future__ import annotations

import re
import struct

JPEG, PNG, GIF, WEBP = "JPEG", "PNG", "GIF", "WEBP"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Markup and script that no picture needs; an SVG or HTML file, or text hidden in a comment or metadata.
_MARKUP = re.compile(rb"<\s*(script|svg|html|body|iframe|object|embed|\?php|!doctype)|javascript:", re.I)
# Signatures of other files that polyglots append or embed: ZIP (JAR, docx), PDF, RAR, 7-Zip, PE, ELF.
_OTHER_FILES = (b"PK\x03\x04", b"PK\x05\x06", b"%PDF-", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c", b"\x7fELF")
_PRINTABLE = frozenset(range(0x20, 0x7F)) | {0x09, 0x0A, 0x0D}


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


def image_end(data: bytes, kind: str) -> int | None:
    """The offset just past the image's last byte, or None when its structure is broken."""
    try:
        if kind == JPEG:
            return _jpeg_end(data)
        if kind == PNG:
            return _png_end(data)
        if kind == GIF:
            return _gif_end(data)
        if kind == WEBP:
            size: int = struct.unpack_from("<I", data, 4)[0]
            return 8 + size + (size & 1)
    except (IndexError, ValueError, struct.error):
        return None
    return None


def foreign_content(data: bytes, end: int) -> bool:
    """True when the file carries something besides the image: markup or script anywhere, another file
    format anywhere, or text after the image's end. Zero padding after the end is harmless."""
    if _MARKUP.search(data):
        return True
    if any(signature in data for signature in _OTHER_FILES):
        return True
    tail = data[end:].rstrip(b"\x00")
    if not tail:
        return False
    printable = sum(1 for byte in tail if byte in _PRINTABLE)
    return len(tail) >= 4 and printable / len(tail) > 0.9


def _jpeg_end(data: bytes) -> int | None:
    pos = 2  # after SOI
    while pos < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:  # EOI
            return pos + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        length = struct.unpack_from(">H", data, pos + 2)[0]
        pos += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data until the next real marker
            while True:
                pos = data.index(b"\xff", pos)
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    pos += 1 if following == 0xFF else 2
                    continue
                break
    return None


def _png_end(data: bytes) -> int | None:
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        pos += 12 + length  # length, type, data, CRC
        if kind == b"IEND":
            return pos if pos <= len(data) else None
    return None


def _gif_end(data: bytes) -> int | None:
    flags = data[10]
    pos = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while True:
        block = data[pos]
        if block == 0x3B:  # trailer
            return pos + 1
        if block == 0x21:  # extension: label, then sub-blocks
            pos = _skip_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image descriptor, local colour table, LZW code size, sub-blocks
            local = data[pos + 9]
            pos += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            pos = _skip_sub_blocks(data, pos + 1)
        else:
            return None


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while data[pos]:
        pos += data[pos] + 1
    return pos + 1
