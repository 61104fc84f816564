"""The parser: bytes in, decoded values out."""

from __future__ import annotations

import pytest

from inbound.headers import decode_text
from inbound.parse import UnparseableMail, parse
from tests.conftest import mail_bytes


@pytest.mark.parametrize(
    ("name", "subject", "sender", "from_name"),
    [
        ("subscribe__plain.eml", "Nyhetsbrev", "anna.andersson@example.se", "Anna Andersson"),
        (
            "subscribe__latin1_encoded_word.eml",
            "Prenumerera på nyhetsbrevet",
            "bjorn@forening.example",
            "Björn Åkesson",
        ),
        (
            "subscribe__base64_utf8_reply_prefix.eml",
            "SV: Nyhetsbrev tack!",
            "cecilia@kommun.example",
            "Cecilia",
        ),
        ("subscribe__raw_8bit_cp1252_subject.eml", "Anmälan nyhetsbrev", "david@example.org", "David"),
        ("subscribe__raw_8bit_utf8_subject.eml", "Anmälan nyhetsbrev", "eva@example.org", "Eva"),
    ],
)
def test_headers_are_decoded(name: str, subject: str, sender: str, from_name: str) -> None:
    mail = parse(mail_bytes(name))
    assert (mail.subject, mail.from_address, mail.from_name) == (subject, sender, from_name)


def test_domain_is_lower_cased_local_part_kept() -> None:
    assert parse(mail_bytes("subscribe__plain.eml")).from_address == "anna.andersson@example.se"
    raw = b"From: X <Anna.A@EXAMPLE.SE>\r\nSubject: x\r\n\r\n"
    assert parse(raw).from_address == "Anna.A@example.se"


def test_body_text_and_html() -> None:
    mail = parse(mail_bytes("new_case__html_question.eml"))
    assert "kreativa utvecklingscheckarna" in mail.text
    assert mail.html is not None and "<b>kreativa" in mail.html
    assert mail.message_id == "q-2@konst.example"


def test_raw_8bit_body_in_declared_charset() -> None:
    assert "från David" in parse(mail_bytes("subscribe__raw_8bit_cp1252_subject.eml")).text


def test_rfc2231_attachment_name() -> None:
    mail = parse(mail_bytes("new_case__attachment_rfc2231.eml"))
    assert [a.filename for a in mail.attachments] == ["Budget för Kulturfrukost År 2027.pdf"]
    assert mail.attachments[0].content_type == "application/pdf"
    assert mail.attachments[0].size > 0


def test_dsn_is_recognised_and_its_returned_message_not_mixed_into_the_text() -> None:
    mail = parse(mail_bytes("bounce__dsn_rfc3464.eml"))
    assert (mail.content_type, mail.report_type, mail.return_path) == (
        "multipart/report",
        "delivery-status",
        "",
    )
    assert "Hej" not in mail.text


def test_threading_headers() -> None:
    raw = b"From: a@b.se\r\nSubject: x\r\nIn-Reply-To: <one@x>\r\nReferences: <zero@x>\r\n <one@x>\r\n\r\n"
    mail = parse(raw)
    assert mail.in_reply_to == ("one@x",)
    assert mail.references == ("zero@x", "one@x")
    assert mail.thread_ids == ("one@x", "zero@x")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?utf-8?q?Hej?= du", "Hej du"),
        ("=?utf-8?q?Nyhets?= =?utf-8?q?brev?=", "Nyhetsbrev"),
        ("=?x-unknown?q?abc?=", "abc"),
        ("=?utf-8?B?broken", "=?utf-8?B?broken"),
        ("=?bogus-charset?q?Nyhetsbrev?=", "Nyhetsbrev"),
        ("=?utf-8?q?=FF=FEbad?=", "ÿþbad"),
        # A fold after an encoded word keeps its space; a fold between encoded words does not
        ("=?utf-8?q?f=C3=B6r_v=C3=A5r?=\r\n keramikverkstad", "för vår keramikverkstad"),
        ("=?utf-8?q?Nyhets?=\r\n =?utf-8?q?brev?=", "Nyhetsbrev"),
    ],
)
def test_decode_text_tolerates_odd_encodings(raw: str, expected: str) -> None:
    assert decode_text(raw) == expected


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"no header here\r\n\r\nbody"])
def test_non_messages_raise(raw: bytes) -> None:
    with pytest.raises(UnparseableMail):
        parse(raw)


def test_broken_headers_degrade_instead_of_raising() -> None:
    raw = (
        b"From: <<<@@@>>>\r\nSubject: =?utf-8?q?unterminated\r\nDate: not a date\r\nMessage-ID: junk\r\n\r\nx"
    )
    mail = parse(raw)
    assert mail.from_address is None
    assert mail.date is None
    assert mail.subject.startswith("=?utf-8?q?")


def test_attachments_come_out_of_the_one_parse_with_their_bytes() -> None:
    mail = parse(mail_bytes("new_case__attachment_rfc2231.eml"))
    [attachment] = mail.attachments
    assert attachment.data.startswith(b"%PDF") and attachment.size == len(attachment.data)


def test_a_bounce_returns_our_headers_for_the_token_search() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered\r\nMessage-ID: <dsn@mx>\r\n"
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=r\r\n\r\n"
        b"--r\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n"
        b"--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        b"Final-Recipient: rfc822; a@example.se\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <kkc-a.b.c@kk.test>\r\n--r--\r\n"
    )
    mail = parse(raw)
    texts = "\n".join(mail.bounce_texts())
    assert "<kkc-a.b.c@kk.test>" in texts and "Final-Recipient: rfc822; a@example.se" in texts
    assert "Message-ID: <dsn@mx>" in texts and "Failed." in texts
    assert mail.attachments == ()  # the returned parts are not attachments


def test_staff_pages_decode_headers_as_the_pipeline_does() -> None:
    from inbound.headers import header_values

    for name in ("subscribe__latin1_encoded_word.eml", "subscribe__raw_8bit_cp1252_subject.eml"):
        raw = mail_bytes(name)
        [(_, subject)] = header_values(raw, ["Subject"])
        assert subject == parse(raw).subject
    raw = b"Received: a\r\nreceived: b\r\nSubject: =?utf-8?q?Hej_p=C3=A5?=\r\n\r\nSubject: not a header\r\n"
    assert header_values(raw, ["Subject", "Received"]) == [
        ("Subject", "Hej på"),
        ("Received", "a"),
        ("Received", "b"),
    ]
