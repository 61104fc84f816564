"""Big mail (issue 12): parsed in a clean worker from a file, big attachments decoded into files and
adopted into the store by a rename, the raw bytes stored whole without extra copies (SQLite: a zero blob
written in pieces). ``bench/big_mail.py`` measures the memory; these tests check that nothing is lost."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable
from email.message import Message
from pathlib import Path

from sqlalchemy import select

from cases.models import Case, CaseAttachment
from inbound.classify import Route
from inbound.feed import spool_base64
from inbound.models import InboundMessage
from inbound.sources.base import Item
from kulturkluster.wiring import Services
from tests.conftest import ORG_ADDRESS
from tests.servers.smtp import SmtpServer

Factory = Callable[..., Services]


def mail_with_attachment(
    data: bytes, *, subject: str = "Ansökan", message_id: str = "big@example.se"
) -> bytes:
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    head = (
        f"From: Anna Andersson <anna@example.se>\r\nTo: {ORG_ADDRESS}\r\nSubject: {subject}\r\n"
        f"Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\n'
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHej, här är vår ansökan.\r\n--b1\r\n"
        'Content-Type: application/pdf; name="ansokan.pdf"\r\nContent-Transfer-Encoding: base64\r\n'
        'Content-Disposition: attachment; filename="ansokan.pdf"\r\n\r\n'
    ).encode()
    return head + encoded + b"--b1--\r\n"


def big_services(factory: Factory, smtp: SmtpServer) -> Services:
    return factory(
        smtp={"host": "127.0.0.1", "port": smtp.port, "security": "none"},
        inbound={"isolate_bytes": 100_000},
    )


def spool_files(svc: Services) -> list[Path]:
    spool = svc.attachments.spool_dir
    return sorted(spool.iterdir()) if spool.exists() else []


def test_a_big_attachment_reaches_the_store_through_a_file_and_nothing_is_left_behind(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = big_services(services_factory, smtp)
    pdf = os.urandom(1_500_000)
    first = mail_with_attachment(pdf)
    again = mail_with_attachment(pdf, message_id="big2@example.se", subject="Samma bilaga igen")
    outcomes = svc.pipeline.process([Item(first, "t"), Item(again, "t")])
    assert [o.route for o in outcomes] == [Route.NEW_CASE, Route.NEW_CASE]
    digest = hashlib.sha256(pdf).hexdigest()
    with svc.db.unit_of_work() as session:
        stored = list(session.scalars(select(CaseAttachment)))
        assert [(a.filename, a.size, a.sha256) for a in stored] == [("ansokan.pdf", len(pdf), digest)] * 2
        assert (
            session.scalar(select(InboundMessage.raw).where(InboundMessage.id == outcomes[0].row_id)) == first
        )
    assert svc.attachments.get(digest) == pdf  # one file for both, content-addressed
    assert spool_files(svc) == []


def test_a_big_attachment_on_a_route_without_cases_leaves_no_file(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = big_services(services_factory, smtp)
    raw = mail_with_attachment(os.urandom(1_200_000), subject="Nyhetsbrev")
    [outcome] = svc.pipeline.process([Item(raw, "t")])
    assert outcome.route == Route.SUBSCRIBE
    with svc.db.unit_of_work() as session:
        assert session.scalars(select(Case)).all() == []
    assert spool_files(svc) == []
    assert not any(p.is_file() for p in svc.attachments.root.rglob("*"))


def test_an_attachment_over_the_size_limit_is_recorded_not_kept(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = services_factory(
        smtp={"host": "127.0.0.1", "port": smtp.port, "security": "none"},
        inbound={"isolate_bytes": 100_000},
        cases={"max_attachment_bytes": 1_000_000},
    )
    [outcome] = svc.pipeline.process([Item(mail_with_attachment(os.urandom(1_300_000)), "t")])
    assert outcome.route == Route.NEW_CASE
    with svc.db.unit_of_work() as session:
        [attachment] = session.scalars(select(CaseAttachment))
        assert (attachment.size, attachment.sha256) == (1_300_000, None)
    assert spool_files(svc) == []


def test_a_message_over_the_blob_threshold_is_stored_byte_for_byte(
    services_factory: Factory, smtp: SmtpServer
) -> None:
    svc = big_services(services_factory, smtp)
    raw = mail_with_attachment(os.urandom(4_000_000))  # over inbound.store.BIG_RAW_BYTES when encoded
    [outcome] = svc.pipeline.process([Item(raw, "t")])
    with svc.db.unit_of_work() as session:
        row = session.get(InboundMessage, outcome.row_id)
        assert row is not None and row.size == len(raw) and row.raw == raw
    assert svc.pipeline.reprocess([outcome.row_id]) == []  # not in quarantine: nothing to do


def _part(encoded: bytes) -> Message:
    part = Message()
    part["Content-Transfer-Encoding"] = "base64"
    part.set_payload(encoded.decode("ascii"))
    return part


def test_spooled_decoding_equals_the_standard_one(tmp_path: Path) -> None:
    data = os.urandom(3_000_001)
    plain = base64.b64encode(data)
    odd_lines = b"\r\n".join(plain[i : i + 61] for i in range(0, len(plain), 61))  # not multiples of 4
    with_junk = odd_lines.replace(b"\r\n", b" \t\r\n!", 1000)
    for encoded in (plain, odd_lines, with_junk):
        spooled = spool_base64(_part(encoded), tmp_path)
        assert spooled is not None
        assert Path(spooled.path).read_bytes() == binascii.a2b_base64(encoded) == data
        assert (spooled.size, spooled.sha256) == (len(data), hashlib.sha256(data).hexdigest())


def test_small_or_undecodable_parts_are_left_to_the_standard_way(tmp_path: Path) -> None:
    assert spool_base64(_part(base64.b64encode(b"kort")), tmp_path) is None
    broken = base64.b64encode(os.urandom(1_500_000)) + b"A"  # one character too many: not whole groups
    assert spool_base64(_part(broken), tmp_path) is None
    assert list(tmp_path.iterdir()) == []
