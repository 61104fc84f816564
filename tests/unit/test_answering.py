"""The pure parts of answering: placeholders in canned answers, the quote, file names and sizes, and the
MIME of a mail with files (RFC 2231 names)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from cases import canned, reply_body
from mailer.mime import FilePart, build_mixed

VALUES = {"förnamn": "Gunilla", "ärende": "KK-2026-0042", "handläggare": "Sam Staff"}


@pytest.mark.parametrize(
    ("text", "filled"),
    [
        ("Hej {förnamn}!", "Hej Gunilla!"),
        ("{ärende} / { handläggare }", "KK-2026-0042 / Sam Staff"),
        ("Klamrar: {{förnamn}} och }}", "Klamrar: {förnamn} och }"),
        ("En ensam { blir kvar", "En ensam { blir kvar"),
        ("Och en ensam } likaså", "Och en ensam } likaså"),
        ("Ingen platshållare alls", "Ingen platshållare alls"),
    ],
)
def test_placeholders_are_filled(text: str, filled: str) -> None:
    assert canned.fill(text, VALUES) == filled


@pytest.mark.parametrize(
    ("text", "filled"),
    [
        ("Hej {förnamn}!", "Hej!"),
        ("Hej {förnamn}, tack för frågan.", "Hej, tack för frågan."),
        ("Tack {förnamn} för frågan.", "Tack för frågan."),
        ("Hej {förnamn}! Ärende {ärende}.", "Hej! Ärende KK-2026-0042."),
    ],
)
def test_an_unknown_first_name_leaves_no_gap(text: str, filled: str) -> None:
    assert canned.fill(text, {**VALUES, "förnamn": ""}) == filled


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Hej {namn}!", "namn"),
        ("{0.__class__.__mro__}", "0.__class__.__mro__"),
        ("{förnamn!r}", "förnamn!r"),
        ("{}", ""),
        ("{FÖRNAMN}", "FÖRNAMN"),
    ],
)
def test_an_unknown_placeholder_is_named_never_evaluated(text: str, name: str) -> None:
    with pytest.raises(canned.UnknownPlaceholder) as caught:
        canned.fill(text, VALUES)
    assert caught.value.name == name
    assert f"okända platshållaren {{{name}}}" in str(caught.value)
    assert "{förnamn}, {ärende} och {handläggare}" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Gunilla Berg", "Gunilla"),
        ("Berg, Gunilla", "Gunilla"),
        ("", ""),
        ("  Bo  ", "Bo"),
        ("Berg,", "Berg"),
        ("Maria Lind, Teater Vingen", "Maria"),  # a name, then the organisation
    ],
)
def test_first_name(name: str, first: str) -> None:
    assert canned.first_name(name) == first


def test_template_text_is_checked() -> None:
    assert canned.TemplateText.checked(
        "  Tack   för\tfrågan ", "Hej\r\n{förnamn}\r\n"
    ) == canned.TemplateText("Tack för frågan", "Hej\n{förnamn}")
    for name, body, message in [
        ("", "x", "Ge mallen ett namn"),
        ("x" * 121, "x", "högst 120 tecken"),
        ("Tom", " \n ", "Skriv mallens text"),
        ("Lång", "x" * 20_001, "högst 20000 tecken"),
    ]:
        with pytest.raises(canned.InvalidTemplate, match=message):
            canned.TemplateText.checked(name, body)
    with pytest.raises(canned.UnknownPlaceholder):
        canned.TemplateText.checked("Fel", "Hej {namn}")


def test_the_quote_reads_like_a_mail_program_writes_it() -> None:
    at = datetime(2026, 3, 3, 9, 15, tzinfo=UTC)  # 10:15 in Stockholm (winter time)
    quote = reply_body.quote_of("Hej!\r\n\r\nHur söker man?\n", at, "Gunilla Berg", "g@teater.example")
    assert quote is not None
    assert quote.as_text() == (
        "Den 3 mars 2026 kl. 10:15 skrev Gunilla Berg <g@teater.example>:\n> Hej!\n>\n> Hur söker man?"
    )
    summer = reply_body.quote_of("x", datetime(2026, 7, 1, 10, 0, tzinfo=UTC), "", "a@b.example")
    assert summer is not None and summer.intro == "Den 1 juli 2026 kl. 12:00 skrev a@b.example:"
    assert reply_body.quote_of(" \n\n", at, "Bo", "b@x") is None
    long = reply_body.quote_of("rad\n" * 1000, at, "Bo", "b@x")
    assert long is not None and len(long.lines) == reply_body.MAX_QUOTED_LINES + 1


def test_signature_and_sizes() -> None:
    assert reply_body.with_signature(" Hej! \n", "\r\nSam\r\nKulturkluster\n") == "Hej!\n\nSam\nKulturkluster"
    assert reply_body.with_signature("Hej!", "  ") == "Hej!"
    assert [reply_body.size_text(n) for n in (900, 2048, 10 * 1024 * 1024, 11_010_048)] == [
        "900 byte",
        "2 kB",
        "10 MB",
        "10,5 MB",
    ]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\sam\\Ansökan.pdf", "Ansökan.pdf"),
        ("../../etc/passwd", "passwd"),
        ("rad\nbrytning\x00.txt", "rad_brytning_.txt"),
        ("  ", "bilaga"),
        ("...", "bilaga"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(sent: str, kept: str) -> None:
    assert reply_body.file_name(sent) == kept


def test_files_over_the_limit_are_refused() -> None:
    files = [FilePart("a.pdf", "application/pdf", b"x" * 600), FilePart("b", "nonsense", b"y" * 500)]
    with pytest.raises(reply_body.AttachmentsTooLarge, match=r"1 kB tillsammans.*högst 1000 byte"):
        reply_body.checked_files(files, 1000)
    checked = reply_body.checked_files(files, 1100)
    assert [(f.filename, f.content_type) for f in checked] == [
        ("a.pdf", "application/pdf"),
        ("b", "application/octet-stream"),
    ]


def test_a_mail_with_files_carries_their_bytes_and_rfc_2231_names() -> None:
    long_name = "Ansökan om bidrag för kulturverksamhet i Sörmland – blankett och riktlinjer 2027.pdf"
    files = [
        FilePart(long_name, "application/pdf", bytes(range(256)) * 40),
        FilePart("plain.txt", "text/plain", b"text"),
        FilePart('citat"och\\snedstreck.txt', "text/plain", b"q"),
    ]
    raw = build_mixed([("From", "a@kk.test"), ("Subject", "Svar")], "Hej\n", "<p>Hej</p>", files)
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert b"filename*0*=utf-8''Ans%C3%B6kan" in raw and b"filename*1*=" in raw
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage) and message.get_content_type() == "multipart/mixed"
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().strip() == "Hej"
    got = [(part.get_filename(), part.get_payload(decode=True)) for part in message.iter_attachments()]
    assert got == [
        (long_name, bytes(range(256)) * 40),
        ("plain.txt", b"text"),
        ("citat_och_snedstreck.txt", b"q"),
    ]
