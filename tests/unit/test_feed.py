"""The low-copy reading of large mail gives the same tree and bytes as the standard parser."""

from __future__ import annotations

import os
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from inbound.feed import decoded_payload, message_from_bytes


def _mail(data: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"] = "anna@example.se"
    msg["Subject"] = "Bilaga"
    msg.set_content("Hej")
    msg.add_attachment(data, maintype="application", subtype="pdf", filename="a.pdf")
    return msg.as_bytes()


def test_a_large_attachment_reads_as_the_standard_parser_reads_it() -> None:
    data = os.urandom(1_500_000)
    raw = _mail(data)
    ours = message_from_bytes(raw)
    standard = BytesParser(policy=policy.compat32).parsebytes(raw)
    assert ours.as_bytes() == standard.as_bytes()
    [_text, attachment] = [p for p in ours.walk() if not p.is_multipart()]
    assert decoded_payload(attachment) == data


def test_broken_padding_goes_the_standard_way() -> None:
    raw = _mail(os.urandom(1_500_001)).replace(b"=\n\n--", b"\n\n--")
    [_text, attachment] = [p for p in message_from_bytes(raw).walk() if not p.is_multipart()]
    assert decoded_payload(attachment) == attachment.get_payload(decode=True)
