"""SmtpTransport against aiosmtpd: plain, STARTTLS and implicit TLS (trustme certificates), AUTH, failures."""

from __future__ import annotations

import os
import shutil
import smtplib
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from kulturkluster.settings import SmtpSettings
from mailer.smtp_faults import Stage
from mailer.transport import PermanentFailure, RelayRefused, SmtpTransport, TemporaryFailure
from tests.servers.smtp import SmtpServer, free_port

pytestmark = pytest.mark.integration
RAW = b"From: a@kulturkluster.test\r\nTo: b@example.se\r\nSubject: x\r\n\r\nHej\r\n"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def _server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    return context


def _client_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


@pytest.fixture
def tls_server(ca: trustme.CA, request: pytest.FixtureRequest) -> Iterator[SmtpServer]:
    server = SmtpServer(
        tls_context=_server_context(ca), implicit_tls=request.param == "tls", require_auth=True
    )
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("tls_server", ["starttls", "tls"], indirect=True)
def test_tls_and_auth(tls_server: SmtpServer, ca: trustme.CA) -> None:
    security = "tls" if tls_server.controller.ssl_context else "starttls"
    settings = SmtpSettings(
        host="localhost", port=tls_server.port, security=security, username="kk", password="pw"
    )
    transport = SmtpTransport(settings, ssl_context=_client_context(ca))
    try:
        transport.send(RAW, "a@kulturkluster.test", ["b@example.se"])
        transport.send(RAW, "a@kulturkluster.test", ["c@example.se"])  # the connection is reused
    finally:
        transport.close()
    assert [r.recipients for r in tls_server.handler.received] == [["b@example.se"], ["c@example.se"]]


@pytest.mark.parametrize("tls_server", ["starttls"], indirect=True)
def test_wrong_password_is_permanent_and_says_what_to_check(tls_server: SmtpServer, ca: trustme.CA) -> None:
    settings = SmtpSettings(
        host="localhost", port=tls_server.port, security="starttls", username="kk", password="nope"
    )
    transport = SmtpTransport(settings, ssl_context=_client_context(ca))
    with pytest.raises(PermanentFailure, match="KK_SMTP__PASSWORD"):
        transport.send(RAW, "a@kulturkluster.test", ["b@example.se"])


@pytest.mark.parametrize("tls_server", ["starttls"], indirect=True)
def test_untrusted_certificate_is_refused(tls_server: SmtpServer) -> None:
    settings = SmtpSettings(host="localhost", port=tls_server.port, security="starttls")
    with pytest.raises(TemporaryFailure, match="CERTIFICATE_VERIFY_FAILED"):
        SmtpTransport(settings).send(RAW, "a@kulturkluster.test", ["b@example.se"])


def test_reply_codes_map_to_failures(smtp: SmtpServer) -> None:
    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp.port, security="none"))
    smtp.handler.fail_with = [
        "452 4.3.1 insufficient storage",
        "554 5.7.1 rejected as spam",
        "550 5.1.1 user unknown",
    ]
    with pytest.raises(TemporaryFailure) as temporary:
        transport.send(RAW, "a@kulturkluster.test", ["b@example.se"])
    assert temporary.value.code == 452
    # A policy refusal at DATA is about us, not the recipient (issue 12): the relay's, kept whole.
    with pytest.raises(RelayRefused) as relay:
        transport.send(RAW, "a@kulturkluster.test", ["b@example.se"])
    assert relay.value.code == 554 and "rejected as spam" in str(relay.value)
    assert relay.value.stage is Stage.DATA
    with pytest.raises(PermanentFailure) as permanent:
        transport.send(RAW, "a@kulturkluster.test", ["b@example.se"])
    assert permanent.value.code == 550 and "user unknown" in str(permanent.value)
    transport.send(RAW, "a@kulturkluster.test", ["b@example.se"])
    transport.close()
    assert len(smtp.handler.received) == 1


def test_unreachable_relay_is_temporary() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=2)
    with pytest.raises(TemporaryFailure, match="svarar inte"):
        SmtpTransport(settings).send(RAW, "a@kulturkluster.test", ["b@example.se"])


DOTTED = (
    b"From: a@kulturkluster.test\r\nTo: b@example.se\r\nSubject: x\r\n\r\n"
    b".a line that starts with a dot\r\n..two\r\n.\r\nend"  # no final CRLF: the transport adds it
)


def test_pipelined_transactions_map_every_refusal_and_keep_the_connection(
    smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_sendmail(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the relay offers PIPELINING: one write for MAIL, RCPT and DATA")

    monkeypatch.setattr(smtplib.SMTP, "sendmail", no_sendmail)
    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp.port, security="none"))
    smtp.handler.refuse_rcpt = ["550 5.1.1 no such user", "450 4.2.1 mailbox busy"]
    with pytest.raises(PermanentFailure) as unknown:
        transport.send(RAW, "a@kulturkluster.test", ["gone@example.se"])
    assert unknown.value.code == 550 and "no such user" in str(unknown.value)
    with pytest.raises(TemporaryFailure) as busy:
        transport.send(RAW, "a@kulturkluster.test", ["busy@example.se"])
    assert busy.value.code == 450
    smtp.handler.fail_with = ["554 5.7.1 rejected as spam"]
    with pytest.raises(RelayRefused, match="rejected as spam"):  # policy at DATA: the relay's (issue 12)
        transport.send(RAW, "a@kulturkluster.test", ["b@example.se"])
    transport.send(DOTTED, "a@kulturkluster.test", ["b@example.se"])  # same connection, after RSETs
    transport.close()
    assert [r.recipients for r in smtp.handler.received] == [["b@example.se"]]
    assert (
        smtp.handler.received[0]
        .data.replace(b"\r\n", b"\n")
        .endswith(b".a line that starts with a dot\n..two\n.\nend\n")
    )


def test_without_pipelining_the_plain_dialogue_is_used(smtp: SmtpServer) -> None:
    smtp.handler.pipelining = False
    transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=smtp.port, security="none"))
    smtp.handler.refuse_rcpt = ["550 5.1.1 no such user"]
    with pytest.raises(PermanentFailure):
        transport.send(RAW, "a@kulturkluster.test", ["gone@example.se"])
    transport.send(DOTTED, "a@kulturkluster.test", ["b@example.se"])
    transport.close()
    assert len(smtp.handler.received) == 1


def test_postfix_smtp_sink_receives_what_we_pipeline() -> None:
    """Against Postfix's own SMTP server code: the bytes that arrive are the bytes we sent."""
    sink = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
    # smtp-sink drops root for "nobody", who must be able to write here (pytest's tmp_path is private)
    dumps = Path(tempfile.mkdtemp(prefix="kk-sink-"))
    dumps.chmod(0o777)
    port = free_port()
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    process = subprocess.Popen([sink, *user, "-d", f"{dumps}/%H%M%S.", f"127.0.0.1:{port}", "10"])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        transport = SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security="none"))
        for _ in range(3):
            transport.send(DOTTED, "a@kulturkluster.test", ["b@example.se"])
        transport.close()
        for _ in range(100):
            files = list(dumps.iterdir())
            if len(files) == 3:
                contents = [f.read_bytes() for f in files]
                break
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(dumps, ignore_errors=True)
    assert len(files) == 3
    for data in contents:
        assert b"X-Mail-Args: <a@kulturkluster.test>" in data and b"<b@example.se>" in data
        # smtp-sink un-stuffs the dots and writes plain newlines (and a blank line at the end)
        assert data.rstrip(b"\n").endswith(b"\n\n.a line that starts with a dot\n..two\n.\nend"), data[-120:]
