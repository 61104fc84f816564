"""No From name, subject or attachment file name gives a 500 on any page: Inkommande (list and one mail),
the case view and the attachment download, each with names that decode (RFC 2047 / RFC 2231) to CR/LF, a
NUL byte, 5,000 characters, a right-to-left override or markup."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import select

from cases.models import Case
from inbound.models import InboundMessage
from inbound.sources.base import Item
from kulturkluster.wiring import Services

from .conftest import StaffClient

pytestmark = pytest.mark.integration
HOSTILE = {
    "crlf": "Anna\r\nBcc: alla@example.se",
    "nul": "Anna\x00Andersson",
    "long": "A" * 5000,
    "rtl": "Anna \u202egpj.exe",
    "script": "<script>alert(1)</script>",
}


def encoded(text: str) -> str:
    """An encoded word, so the CR/LF or NUL appears only once the header is decoded."""
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def hostile_mail(name: str) -> bytes:
    word = encoded(name)
    return (
        f"From: {word} <kim@teater.example>\r\n"
        "To: kulturkluster@kulturkluster.test\r\n"
        f"Subject: {word}\r\n"
        "Message-ID: <hostile@teater.example>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n'
        "\r\n"
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHej! En fråga om bidrag.\r\n"
        "--b\r\nContent-Type: application/pdf\r\n"
        f'Content-Disposition: attachment; filename="{word}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        "--b--\r\n"
    ).encode()


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_names_on_every_page_kind(staff_services: Services, staff: StaffClient, name: str) -> None:
    staff_services.pipeline.process([Item(raw=hostile_mail(name), source="test")])
    with staff_services.db.unit_of_work() as session:
        [row_id] = session.scalars(select(InboundMessage.id))
        [reference] = session.scalars(select(Case.reference))
    pages = {
        "inbound list": staff.get("/app/inkommande"),
        "inbound detail": staff.get(f"/app/inkommande/{row_id}"),
        "case list": staff.get("/app/arenden"),
        "case view": staff.get(f"/app/arenden/{reference}"),
    }
    for kind, page in pages.items():
        assert page.status_code == 200, kind
        assert "<script>alert" not in page.text, kind  # shown, escaped, never run
    [link] = set(re.findall(rf"/app/arenden/{reference}/bilaga/\d+", pages["case view"].text))
    download = staff.get(link)
    assert download.status_code == 200 and download.content == b"%PDF-1.4\n"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment; ") and not re.search(r"[\x00-\x1f\x7f]", disposition)
    assert "Bcc" not in download.headers and "bcc" not in {k.lower() for k in download.headers}
