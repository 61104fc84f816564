"""``inbound.part_type`` reads a part's type, disposition, file name and charset as the stdlib does.

It splits plain headers itself and leaves the rest to ``email.message``; here both readings of every part
of our fixtures (and of the peer mail corpus, when present) and of a table of odd headers must agree.
"""

from __future__ import annotations

from email.message import Message

import pytest

from inbound.feed import message_from_bytes
from inbound.headers import unfold
from inbound.part_type import _PLAIN, PartType, part_type
from tests.integration.test_peer_mail import CORPUS
from tests.unit.test_parse_addresses import _fixtures


def _stdlib(part: Message) -> PartType:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    charset = part.get_content_charset()
    return PartType(
        part.get_content_type(),
        part.get_content_disposition(),
        unfold(name) if name else None,
        charset if isinstance(charset, str) else None,
    )


ODD_HEADERS: list[tuple[str | None, str | None]] = [
    ("text/plain; charset=utf-8", None),
    ("TEXT/PLAIN; CHARSET=UTF-8", None),
    ("text/plain;\r\n\tcharset=iso-8859-1", None),
    ("text/plain; charset=", None),
    ("text/plain; charset", None),
    ("text/plain;; charset=utf-8;", None),
    ("charset=utf-8", None),
    ("text", None),
    ("text/plain/x; charset=utf-8", None),
    ("", None),
    (None, None),
    (None, "attachment; filename=a.pdf"),
    ("application/pdf; name=ansokan.pdf", "attachment"),
    ("application/pdf; name=a.pdf", "ATTACHMENT; FILENAME=b.pdf"),
    ("application/pdf; name=<a.pdf>", "inline"),
    ("application/pdf", "attachment; filename=<<b.pdf>>"),
    ("application/pdf", "attachment; filename=  "),
    ("application/pdf", "attachment; filename= x.pdf ; filename=y.pdf"),
    ("application/pdf", 'attachment; filename="a b.pdf"'),
    ("application/pdf", "attachment; filename*=utf-8''%C3%A5.pdf"),
    ('text/plain; charset="utf-8"', None),
    ('multipart/mixed; boundary="=_a;b"', None),
    ('multipart/mixed; boundary="a*b(c)"', None),
    ('text/plain; charset="utf-8', None),
    ('application/pdf; name="x\\".pdf"', 'attachment; filename="q;r.pdf"'),
    ("text/plain; charset=utf-8 (comment)", None),
    ("image/png; name==?utf-8?q?=C3=A5.png?=", "attachment"),
    ("text/plain; charset=x; Charset=y", "attachment; name=n.txt"),
]


@pytest.mark.parametrize(("content_type", "disposition"), ODD_HEADERS)
def test_odd_headers_read_as_the_stdlib_reads_them(content_type: str | None, disposition: str | None) -> None:
    part = Message()
    if content_type is not None:
        part["Content-Type"] = content_type
    if disposition is not None:
        part["Content-Disposition"] = disposition
    part.set_payload("x")
    assert part_type(part) == _stdlib(part)


def test_a_part_of_a_digest_defaults_to_a_message() -> None:
    raw = (
        b"Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: inner\r\n\r\nhi\r\n--d--\r\n"
    )
    msg = message_from_bytes(raw)
    inner = msg.get_payload(0)
    assert isinstance(inner, Message)
    assert part_type(inner) == _stdlib(inner)
    assert part_type(inner).content_type == "message/rfc822"


def test_every_part_of_every_fixture_reads_as_the_stdlib_reads_it() -> None:
    checked = quick = 0
    for path in _fixtures():
        for part in message_from_bytes(path.read_bytes()).walk():
            assert part_type(part) == _stdlib(part), path.name
            checked += 1
            values = (part.get("content-type"), part.get("content-disposition"))
            quick += all(v is None or (isinstance(v, str) and _PLAIN.match(v)) for v in values)
    # Our own fixtures hold ~30 parts; with the peer corpus (when it is there) thousands.
    assert checked > (100 if CORPUS.is_dir() else 25) and quick > checked // 2  # quick is the common case
