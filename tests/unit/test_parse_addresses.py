"""The parser's quick reading of plain address headers gives what ``email.utils.getaddresses`` gives.

``inbound.parse`` reads a header that is one plain ``Name <local@domain>`` or a bare address with a
pattern and leaves everything else to the stdlib; here both readings of every address header of our
fixtures (and of the peer mail corpus, when present) and of a table of odd values must agree.
"""

from __future__ import annotations

import email.utils
from pathlib import Path

import pytest

from inbound.feed import message_from_bytes
from inbound.headers import bytes_to_text, has_surrogates, unfold
from inbound.parse import _SIMPLE_ADDRESS, _address_pairs
from tests.integration.test_peer_mail import CORPUS

MAIL_DIR = Path(__file__).resolve().parents[1] / "mail"
ADDRESS_HEADERS = ("from", "to", "cc", "reply-to", "sender")


def _stdlib(values: list[str]) -> list[tuple[str, str]]:
    raw = [v for v in values if v]
    cleaned = [bytes_to_text(v.encode("ascii", "surrogateescape")) if has_surrogates(v) else v for v in raw]
    pairs = email.utils.getaddresses(cleaned)
    return [(unfold(name), addr) for name, addr in pairs if addr and "@" in addr]


ODD_VALUES = [
    "Anna Andersson <anna@example.se>",
    "anna@example.se",
    "  <anna@example.se>  ",
    "Anna\r\n Andersson\r\n <anna@example.se>",
    "Anna   B <a@b.se>",
    "=?utf-8?q?Anna_L=C3=B6f?= <anna@example.se>",
    "=?utf-8?q?A?=  =?utf-8?q?B?= <ab@example.se>",
    "Åsa Öberg <asa@example.se>",
    "a..b@example.se",
    ".a@example.se",
    "Anna A. Svensson <anna@example.se>",  # a dot in the name: the stdlib's reading
    '"Andersson, Anna" <anna@example.se>',
    "anna@example.se (Anna)",
    "Anna <anna@example.se>, Bo <bo@example.se>",
    "Undisclosed recipients:;",
    "<>",
    "Anna <anna@exa mple.se>",
    "anna",
    "Anna <anna@[127.0.0.1]>",
    "Anna <anna@example.se",
]


@pytest.mark.parametrize("value", ODD_VALUES)
def test_odd_values_read_as_the_stdlib_reads_them(value: str) -> None:
    assert _address_pairs([value]) == _stdlib([value])


def test_two_headers_of_one_name_read_as_one_list() -> None:
    values = ["Anna <anna@example.se>", "bo@example.se"]
    assert _address_pairs(values) == _stdlib(values) == [("Anna", "anna@example.se"), ("", "bo@example.se")]


def _fixtures() -> list[Path]:
    found = sorted(MAIL_DIR.glob("*.eml"))
    if CORPUS.is_dir():
        found += sorted(
            p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in {".eml", ".msg", ""}
        )
    return found


def test_every_fixture_address_header_reads_as_the_stdlib_reads_it() -> None:
    checked = quick = 0
    for path in _fixtures():
        msg = message_from_bytes(path.read_bytes())
        for name in ADDRESS_HEADERS:
            for found in msg.get_all(name) or []:
                value = str(found)
                assert _address_pairs([value]) == _stdlib([value]), (path.name, value)
                checked += 1
                quick += _SIMPLE_ADDRESS.match(value) is not None
    assert checked > 40 and quick > checked // 3  # the quick reading is the common case
