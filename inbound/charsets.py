"""Bytes to text for mail: charset labels as mail programs write them, and text that names no charset.

Labels are mapped to the codec a reader needs (GB2312 text often uses GBK characters, so both read as
their superset GB18030; ``iso-8859-8-i`` is ISO-8859-8 in logical order). Undeclared 8-bit text is UTF-8
when it decodes as such (a stray byte then costs one character), Windows-1252 when it reads like words in a
Latin script (what Swedish mail without a label is), and otherwise what charset-normalizer detects among
the legacy charsets such mail comes in.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-8-e": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "iso-8859-6-e": "iso-8859-6",
    "ks_c_5601-1987": "cp949",
    "x-sjis": "shift_jis",
    "x-mac-roman": "mac_roman",
    # As browsers do (WHATWG): text labelled Latin-1 is written with Windows-1252's extra characters.
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
}
_NO_CHARSET = frozenset({"unknown-8bit", "x-unknown", "unknown", "8bit", "default"})
# Legacy charsets of undeclared 8-bit mail (headers written by old clients in China, Japan, Taiwan and
# Russia) the detector chooses among.
_DETECTABLE = ["gb18030", "shift_jis", "big5", "koi8_r", "cp1251", "cp1252"]
# Three or more 8-bit bytes in a row: a double-byte script or Cyrillic, not a Latin word's odd letter
# (nor do Latin names read as punctuation: Shift_JIS's second bytes may be ASCII, "田中" is b"\x93c\x92\x86").
_HIGH_RUN = re.compile(rb"[\x80-\xff]{3,}")


def codec_for(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when there is none (or no usable label)."""
    if not label:
        return None
    name = label.strip().strip('"').lower()
    if name in _NO_CHARSET:
        return None
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes, label: str | None = None, hint: str | None = None) -> str:
    """``data`` as text: in its declared charset, else as undeclared text (see the module docstring).

    ``hint`` is the charset the rest of the message declares: raw 8-bit headers are mostly written in the
    charset of the body they come with, which beats guessing from a few bytes.
    """
    codec = codec_for(label)
    if codec:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec and codec != "utf-8":
        return data.decode(codec, errors="replace")  # the label is right, a byte is wrong: lose that one
    # Labelled UTF-8 but not UTF-8: mostly UTF-8 loses the odd byte, anything else is read as undeclared.
    hinted = codec_for(hint)
    if hinted and hinted not in {"ascii", "utf-8"}:
        try:
            return data.decode(hinted)
        except UnicodeDecodeError:
            pass
    return decode_undeclared(data)


def decode_undeclared(data: bytes) -> str:
    """8-bit text without a (usable) charset label."""
    as_utf8 = data.decode("utf-8", errors="replace")
    bad = as_utf8.count("\ufffd")
    multibyte = sum(1 for ch in as_utf8 if ord(ch) > 0x7F) - bad
    if multibyte and bad * 2 <= multibyte:
        return as_utf8  # UTF-8 with a stray byte or two
    if not _HIGH_RUN.search(data):
        latin = data.decode("cp1252", errors="replace")
        if all(ch.isalpha() for ch in latin if ord(ch) > 0x7F):
            return latin  # letters among ASCII letters: a Latin script (Swedish "Åsa Öberg")
    for match in from_bytes(data, cp_isolation=_DETECTABLE):
        text = str(match)
        # Half-width katakana is what Cyrillic or Chinese bytes look like read as Shift_JIS; real mail
        # hardly ever uses it.
        if not any("\uff61" <= ch <= "\uff9f" for ch in text) and not _all_caps_cyrillic(text):
            return text
    return data.decode("cp1252", errors="replace")


def _all_caps_cyrillic(text: str) -> bool:
    # KOI8-R and Windows-1251 swap the cases of Cyrillic: lower-case words read in the wrong one of the
    # two come out all upper case.
    cyrillic = [ch for ch in text if "\u0400" <= ch <= "\u04ff" and ch.isalpha()]
    return len(cyrillic) >= 3 and all(ch.isupper() for ch in cyrillic)
