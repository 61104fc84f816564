"""The parser and classifier never crash: real odd mail, generated malformed mail, and monsters.

Anything they cannot make sense of raises ``UnparseableMail`` (the pipeline quarantines it); every other
message gets a route.
"""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inbound.classify import ClassifyContext, Route, classify
from inbound.parse import UnparseableMail, parse

CPYTHON_CORPUS = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
CONTEXT = ClassifyContext(own_addresses=frozenset({"kulturkluster@kulturkluster.test"}))


def route_of(raw: bytes) -> Route:
    try:
        return classify(parse(raw), CONTEXT).route
    except UnparseableMail:
        return Route.QUARANTINE


@pytest.mark.skipif(
    not CPYTHON_CORPUS.is_dir(), reason=f"this Python has no email test corpus at {CPYTHON_CORPUS}"
)
def test_cpythons_email_test_corpus() -> None:
    files = sorted(p for p in CPYTHON_CORPUS.iterdir() if p.is_file())
    assert len(files) > 50
    for path in files:
        assert route_of(path.read_bytes()) in Route


_header_names = st.sampled_from(
    ["From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding", "Message-ID", "In-Reply-To",
     "References", "Date", "Return-Path", "Auto-Submitted", "Content-Disposition", "X-Weird"]
)  # fmt: skip
_nasty_text = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.builds(
        lambda cs, enc, payload: f"=?{cs}?{enc}?{payload}?=",
        st.sampled_from(["utf-8", "iso-8859-1", "x-unknown", "bogus", "", "utf-7", "koi8-r"]),
        st.sampled_from(["q", "b", "Q", "B", "x", ""]),
        st.text(alphabet="=ABCDEFabc012_?/+ ", max_size=40),
    ),
    st.sampled_from(['multipart/mixed; boundary="', "multipart/alternative; boundary=x", "text/plain; charset=nope",
                     "message/rfc822", "multipart/report; report-type=delivery-status", "<>", "<<@@>>", "\x00"]),
)  # fmt: skip


@st.composite
def malformed_messages(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(_header_names, _nasty_text), max_size=12))
    lines = [f"{name}: {value}".replace("\r", " ").replace("\n", " ") for name, value in headers]
    boundary = draw(st.sampled_from(["x", "", "--", "b" * 80]))
    parts = draw(st.lists(_nasty_text, max_size=5))
    body = "".join(f"--{boundary}\r\nContent-Type: {draw(_nasty_text)}\r\n\r\n{p}\r\n" for p in parts)
    if draw(st.booleans()):
        body += f"--{boundary}--\r\n"
    raw = ("\r\n".join(lines) + "\r\n\r\n" + body).encode("utf-8", "surrogateescape")
    return draw(st.sampled_from([raw, raw.replace(b"\r\n", b"\n"), raw + b"\x00" * 3, raw[: len(raw) // 2]]))


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed_messages())
def test_generated_malformed_mail_never_crashes(raw: bytes) -> None:
    assert route_of(raw) in Route


def test_a_thousand_parts() -> None:
    parts = "".join(f"--b\r\nContent-Type: text/plain\r\n\r\npart {n}\r\n" for n in range(1000))
    raw = f"From: a@b.se\r\nSubject: många delar\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n{parts}--b--\r\n"
    assert route_of(raw.encode()) is Route.NEW_CASE


def test_a_100_kb_header_line() -> None:
    raw = (
        b"From: a@b.se\r\nSubject: "
        + b"x" * 100_000
        + b"\r\nTo: "
        + b"c@d.se, " * 12_000
        + b"\r\n\r\nhej\r\n"
    )
    assert route_of(raw) in Route


def test_nul_bytes_everywhere() -> None:
    raw = b"From: a\x00@b.se\r\nSub\x00ject: Nyhets\x00brev\r\n\r\n\x00\x00body\x00"
    assert route_of(raw) in Route


@pytest.mark.slow
def test_a_30_mb_message() -> None:
    lines = (b"QUJD" * 19 + b"\r\n") * (30_000_000 // 78 + 1)
    raw = (
        b"From: a@b.se\r\nSubject: stor\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + lines
        + b"--b--\r\n"
    )
    assert len(raw) > 30_000_000
    assert route_of(raw) is Route.NEW_CASE
