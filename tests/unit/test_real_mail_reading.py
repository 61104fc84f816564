"""Reading mail as other projects' fixtures showed it comes: broken header blocks, charsets, files."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbound.charsets import decode
from inbound.classify import ClassifyContext, Route, classify
from inbound.parse import parse
from inbound.recover import repair_header_block
from inbound.sources.files import iter_items

CONTEXT = ClassifyContext(own_addresses=frozenset({"kulturkluster@kulturkluster.test"}))


def _mail(headers: str, body: str = "Hej!\n") -> bytes:
    return (headers.strip("\n") + "\n\n" + body).encode("utf-8")


@pytest.mark.parametrize(
    ("raw", "name", "address"),
    [
        # RFC 2822 appendix A.6.3: obsolete syntax, whitespace before the colon and comments in the address
        (
            b"From  : John Doe <jdoe@machine(comment).  example>\nTo    : Mary Smith\n__\n  <mary@example.net>\n"
            b"Subject     : Saying Hello\n\nHello\n",
            "John Doe (comment)",  # the stdlib keeps the address's comment with the name
            "jdoe@machine.example",
        ),
        (b"From: Big Bug bb@bug.com\nSubject: x\n\nhi\n", "Big Bug", "bb@bug.com"),
        # a separator line before the headers
        (b"---- Original email message ----\nFrom: a@b.example\nSubject: x\n\nhi\n", "", "a@b.example"),
        # a header line continued without its leading whitespace hides the rest of the block
        (
            b"X-Tracker: H4sIAAAAAAAAA\nIg5drOCwmrVzP5sDoseXbDeYAxijWzLyk/IoE1owFz6ezFkxKrWjafpWpgfFOchcjF4e\n"
            b"From: Karoline Smith <karoline@example.com>\nSubject: x\n\nhi\n",
            "Karoline Smith",
            "karoline@example.com",
        ),
        # no From at all: answer where the mail says to answer
        (b"Reply-To: <vipyimin@example.cn>\nSubject: x\n\nhi\n", "", "vipyimin@example.cn"),
    ],
)
def test_a_sender_a_person_can_read_is_found(raw: bytes, name: str, address: str) -> None:
    mail = parse(raw)
    assert (mail.from_name, mail.from_address) == (name, address)


def test_a_mail_that_reads_well_is_not_rewritten() -> None:
    raw = _mail("From: Åsa <asa@example.se>\nSubject: Fråga\nX-Note: a: b")
    assert repair_header_block(raw) == raw
    assert parse(raw).from_address == "asa@example.se"


def test_body_without_blank_line_stays_body() -> None:
    raw = b"From: a@b.example\nSubject: x\nThis is the body, no blank line before it.\nAnd more.\n"
    assert repair_header_block(raw).endswith(b"This is the body, no blank line before it.\nAnd more.\n")


def test_a_single_saved_message_with_an_envelope_line_is_one_message(tmp_path: Path) -> None:
    saved = tmp_path / "bounce.eml"
    saved.write_bytes(
        b"From MAILER-DAEMON  Sat Oct  4 08:00:09 2025\nFrom: MAILER-DAEMON@example.com\nSubject: failure\n\n"
        b"The original message follows.\n\nFrom bounce@example.net  Sat Oct  4 08:00:07 2025\n"
        b"From: anna@example.se\nSubject: quoted\n\nhi\n"
    )
    [item] = list(iter_items([saved]))
    assert item.raw.startswith(b"From: MAILER-DAEMON@example.com\n")
    assert b"From bounce@example.net" in item.raw


def test_obsolete_from_header_first_in_a_file_is_not_an_envelope_line(tmp_path: Path) -> None:
    saved = tmp_path / "example13.eml"
    saved.write_bytes(b"From  : John Doe <jdoe@example.org>\nSubject: x\n\nhi\n")
    [item] = list(iter_items([saved]))
    assert parse(item.raw).from_address == "jdoe@example.org"


@pytest.mark.parametrize(
    ("data", "label", "text"),
    [
        ("镕铔".encode("gb18030"), "gb2312", "镕铔"),  # GBK characters in GB2312-labelled text
        ("שלום".encode("iso-8859-8"), "iso-8859-8-i", "שלום"),
        ("Иван Петров".encode("koi8-r"), None, "Иван Петров"),
        ("绩效管理究竟谁错了".encode("gb2312"), None, "绩效管理究竟谁错了"),
        ("陳大文".encode("big5"), None, "陳大文"),
        ("山田太郎".encode("shift_jis"), None, "山田太郎"),
        ("Åsa Öberg".encode("cp1252"), None, "Åsa Öberg"),
        ("Föreningen Kulturhuset i Östra Sörmlands län".encode("cp1252"), None, None),
        ("Jörg Müller".encode()[:3] + b"\xff" + "Jörg Müller".encode()[3:], None, "Jö\ufffdrg Müller"),
        ("Jörg Müller".encode()[:3] + b"\xff" + "Jörg Müller".encode()[3:], "utf-8", "Jö\ufffdrg Müller"),
    ],
)
def test_charsets(data: bytes, label: str | None, text: str | None) -> None:
    assert decode(data, label) == (text or data.decode("cp1252"))


def test_raw_8bit_header_reads_in_the_bodys_charset() -> None:
    raw = (
        b'From: "\xce\xe4\xc0\xbc\xb3\xc9" <a@example.cn>\nSubject: x\nMIME-Version: 1.0\n'
        b'Content-Type: text/plain; charset="gb2312"\n\n\xc4\xe3\xba\xc3\n'
    )
    assert parse(raw).from_name == "武兰成"


@pytest.mark.parametrize(
    ("raw", "route"),
    [
        (
            b"From: postmaster@example.com\nSubject: Please enjoy this link\n\nHi, have a look at this.\n",
            Route.NEW_CASE,
        ),
        (
            b"From: fax@example.de\nSubject: Failed Mail\n\nSie haben soeben ein neues Fax empfangen.\n",
            Route.NEW_CASE,
        ),
        (
            b"From: postmaster@example.com\nSubject: Undeliverable Mail\n\nDelivery failed 10 attempts: "
            b"info@example.net\n\nOriginal message follows.\n",
            Route.BOUNCE,
        ),
        (b"From: app@example.com\nSubject: [AUTO GENERATED] Some subject\n\nhi\n", Route.AUTO_REPLY),
        (
            b"From: a@example.com\nSubject: Read: x\nMIME-Version: 1.0\nContent-Type: multipart/report; "
            b'report-type=disposition-notification; boundary="b"\n\n--b\nContent-Type: text/plain\n\nRead.\n'
            b"--b\nContent-Type: message/disposition-notification\n\nDisposition: manual-action/MDN-sent-manually;"
            b" displayed\n--b--\n",
            Route.AUTO_REPLY,
        ),
        (
            b"From: mailer-daemon\nReturn-path: <>\nAuto-Submitted: auto-replied\nSubject: There was an error\n\n"
            b"The following recipients returned permanent errors: kijitora@nyaan.example.org. Reason: 550\n",
            Route.BOUNCE,
        ),
    ],
)
def test_routes_a_person_would_choose(raw: bytes, route: Route) -> None:
    assert classify(parse(raw), CONTEXT).route is route
