"""``kulturkluster doctor`` against real servers: an authoritative DNS server on loopback, the test
database, aiosmtpd as the relay, an HTTPS server (trustme) as the public pages."""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from inbound.sources.lmtp import LmtpSource
from kulturkluster.cli import app
from kulturkluster.db import Database
from kulturkluster.doctor.connections import check_source
from kulturkluster.doctor.dns_checks import SendingSetup, dns_results
from kulturkluster.doctor.model import Result, Status
from kulturkluster.doctor.resolver import Resolver
from kulturkluster.wiring import Services
from tests.servers.dns import DnsServer
from tests.servers.smtp import SmtpServer, free_port

pytestmark = pytest.mark.integration
DOMAIN = "kulturkluster.test"
SELECTOR = "kk2026"


def _rsa_key() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, base64.b64encode(spki).decode()


KEY, PUBLIC = _rsa_key()


def good_zone(relay_ip: str = "127.0.0.1") -> dict[tuple[str, str], list[str]]:
    return {
        (DOMAIN, "MX"): [f"10 mx.{DOMAIN}."],
        (DOMAIN, "TXT"): [f'"v=spf1 mx include:_spf.{DOMAIN} -all"', '"google-site-verification=x"'],
        (f"mx.{DOMAIN}", "A"): ["192.0.2.25"],
        (f"_spf.{DOMAIN}", "TXT"): [f'"v=spf1 ip4:{relay_ip}/32 -all"'],
        (f"{SELECTOR}._domainkey.{DOMAIN}", "TXT"): [f'"v=DKIM1; k=rsa; p={PUBLIC}"'],
        (f"_dmarc.{DOMAIN}", "TXT"): [f'"v=DMARC1; p=none; rua=mailto:dmarc@{DOMAIN}"'],
    }


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    server = DnsServer(good_zone())
    server.start()
    yield server
    server.stop()


def setup(relay: str = "127.0.0.1", key: bytes | None = KEY) -> SendingSetup:
    return SendingSetup(DOMAIN, relay, SELECTOR, DOMAIN, key)


def statuses(results: list[Result]) -> dict[str, Status]:
    return {r.check: r.status for r in results}


def by_check(results: list[Result], check: str) -> Result:
    return next(r for r in results if r.check == check)


def test_a_well_configured_domain(dns_server: DnsServer) -> None:
    results = dns_results(setup(), Resolver(dns_server.nameserver))
    assert set(statuses(results).values()) == {Status.OK}, results
    assert f"mx.{DOMAIN}" in by_check(results, "dns.mx").message


def test_spf_that_does_not_authorise_the_relay_says_what_to_add(dns_server: DnsServer) -> None:
    results = dns_results(setup(relay="198.51.100.7"), Resolver(dns_server.nameserver))
    spf = by_check(results, "dns.spf")
    assert spf.status is Status.FAIL and "ip4:198.51.100.7" in spf.hint


def test_microsoft_365_relay_needs_its_include(dns_server: DnsServer) -> None:
    dns_server.records["spf.protection.outlook.com", "TXT"] = ['"v=spf1 ip4:40.92.0.0/15 -all"']
    lookup = Resolver(dns_server.nameserver)
    assert by_check(dns_results(setup(relay="smtp.office365.com"), lookup), "dns.spf").status is Status.FAIL
    dns_server.records[DOMAIN, "TXT"] = ['"v=spf1 include:spf.protection.outlook.com -all"']
    assert by_check(dns_results(setup(relay="smtp.office365.com"), lookup), "dns.spf").status is Status.OK


def test_dkim_key_that_does_not_match_ours(dns_server: DnsServer) -> None:
    other, _public = _rsa_key()
    results = dns_results(setup(key=other), Resolver(dns_server.nameserver))
    assert by_check(results, "dns.dkim").status is Status.FAIL
    assert by_check(results, "dns.bulk_senders").status is Status.WARN


def test_missing_mx_and_dmarc_fail_and_bulk_rules_say_what_is_missing(dns_server: DnsServer) -> None:
    del dns_server.records[DOMAIN, "MX"]
    del dns_server.records[f"_dmarc.{DOMAIN}", "TXT"]
    results = dns_results(setup(), Resolver(dns_server.nameserver))
    assert statuses(results)["dns.mx"] is Status.FAIL and statuses(results)["dns.dmarc"] is Status.FAIL
    assert "DMARC" in by_check(results, "dns.bulk_senders").message


def test_spf_with_too_many_lookups_is_broken(dns_server: DnsServer) -> None:
    for n in range(12):
        dns_server.records[f"l{n}.{DOMAIN}", "TXT"] = [f'"v=spf1 include:l{n + 1}.{DOMAIN} -all"']
    dns_server.records[DOMAIN, "TXT"] = [f'"v=spf1 include:l0.{DOMAIN} -all"']
    assert by_check(dns_results(setup(), Resolver(dns_server.nameserver)), "dns.spf").status is Status.FAIL


# -- the whole command --------------------------------------------------------------------------------------


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def public_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    ca = trustme.CA()
    ca_path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_path))  # OpenSSL's default trust, as a proxy's CA would be
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def doctor_env(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    dns_server: DnsServer,
    smtp: SmtpServer,
    public_pages: str,
) -> None:
    key_file = tmp_path / "dkim.pem"
    key_file.write_bytes(KEY)
    for name, value in {
        "KK_DATABASE_URL": db.url,
        "KK_DATA_DIR": str(tmp_path / "var"),
        "KK_ORG__ADDRESS": f"kulturkluster@{DOMAIN}",
        "KK_SMTP__HOST": "127.0.0.1",
        "KK_SMTP__PORT": str(smtp.port),
        "KK_SMTP__SECURITY": "none",
        "KK_PUBLIC_URL": public_pages,
        "KK_DNS__NAMESERVER": dns_server.nameserver,
        "KK_DKIM__SELECTOR": SELECTOR,
        "KK_DKIM__DOMAIN": DOMAIN,
        "KK_DKIM__PRIVATE_KEY_FILE": str(key_file),
    }.items():
        monkeypatch.setenv(name, value)


def test_doctor_json_all_good_exits_0(doctor_env: None, smtp: SmtpServer) -> None:
    result = CliRunner().invoke(app, ["doctor", "--format", "json"], catch_exceptions=False)
    checks = {row["check"]: row for row in json.loads(result.stdout)}
    assert result.exit_code == 0, checks
    assert {row["status"] for row in checks.values()} == {"ok"}, checks
    assert {"database", "source", "smtp", "public_url", "dns.spf", "dns.dkim", "dns.dmarc"} <= set(checks)
    assert smtp.handler.received == []  # the relay was checked without sending


def test_doctor_says_what_to_fix_and_exits_1(doctor_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KK_PUBLIC_URL", "http://kulturkluster.example")
    result = CliRunner().invoke(app, ["doctor"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "public_url" in result.stdout and "https" in result.stdout and "Traceback" not in result.stdout


def test_lmtp_source_free_then_answering(services_factory: Callable[..., Services]) -> None:
    svc = services_factory(inbound={"source": "lmtp"}, lmtp={"port": free_port()})
    assert check_source(svc.settings).status is Status.WARN  # not running, but free to listen
    source = svc.make_source()
    assert isinstance(source, LmtpSource)
    source.start()
    try:
        result = check_source(svc.settings)
    finally:
        source.close()
    assert result.status is Status.OK, result
