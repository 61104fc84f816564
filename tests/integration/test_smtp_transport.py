"""SmtpTransport against aiosmtpd: plain, STARTTLS and implicit TLS (trustme certificates), AUTH, failures."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest
import trustme

from kulturkluster.settings import SmtpSettings
from mailer.transport import PermanentFailure, SmtpTransport, TemporaryFailure
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
    smtp.handler.fail_with = ["452 4.3.1 insufficient storage", "554 5.7.1 rejected as spam"]
    with pytest.raises(TemporaryFailure) as temporary:
        transport.send(RAW, "a@kulturkluster.test", ["b@example.se"])
    assert temporary.value.code == 452
    with pytest.raises(PermanentFailure) as permanent:
        transport.send(RAW, "a@kulturkluster.test", ["b@example.se"])
    assert permanent.value.code == 554 and "rejected as spam" in str(permanent.value)
    transport.send(RAW, "a@kulturkluster.test", ["b@example.se"])
    transport.close()
    assert len(smtp.handler.received) == 1


def test_unreachable_relay_is_temporary() -> None:
    settings = SmtpSettings(host="127.0.0.1", port=free_port(), security="none", timeout=2)
    with pytest.raises(TemporaryFailure, match="svarar inte"):
        SmtpTransport(settings).send(RAW, "a@kulturkluster.test", ["b@example.se"])
