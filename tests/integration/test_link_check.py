"""check_links_online against a real HTTP(S) server on loopback (stdlib http.server in a thread)."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import trustme

from mailer.check import check_links_online

pytestmark = pytest.mark.integration


class _Handler(BaseHTTPRequestHandler):
    """/ok 200, /saknas 404, /trasig 500, /ingen-head 405 on HEAD but 200 on GET, /flyttad 301 -> /ok."""

    seen: ClassVar[list[tuple[str, str]]] = []  # (method, path) of each request, for the tests

    def _answer(self, with_body: bool) -> None:
        type(self).seen.append((self.command, self.path))
        if self.path == "/flyttad":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        status = {"/ok": 200, "/saknas": 404, "/trasig": 500, "/ingen-head": 200}.get(self.path, 404)
        if self.command == "HEAD" and self.path == "/ingen-head":
            status = 405
        body = b"hej" if with_body else b""
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(tls: ssl.SSLContext | None = None) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def http_base() -> Iterator[str]:
    yield from _serve()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def https_base(ca: trustme.CA) -> Iterator[str]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    yield from _serve(context)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_working_links_give_no_findings(http_base: str) -> None:
    assert check_links_online([f"{http_base}/ok", f"{http_base}/flyttad"], timeout=5) == []


def test_missing_and_broken_pages_are_errors_with_status(http_base: str) -> None:
    findings = check_links_online([f"{http_base}/saknas", f"{http_base}/trasig", f"{http_base}/ok"])
    by_url = {f.message.split()[1]: f for f in findings}
    assert set(by_url) == {f"{http_base}/saknas", f"{http_base}/trasig"}
    assert all(f.severity == "error" and f.code == "link_broken" for f in findings)
    assert "404" in by_url[f"{http_base}/saknas"].message
    assert "500" in by_url[f"{http_base}/trasig"].message


def test_a_server_that_refuses_head_is_asked_with_get(http_base: str) -> None:
    _Handler.seen.clear()
    assert check_links_online([f"{http_base}/ingen-head"]) == []
    assert _Handler.seen == [("HEAD", "/ingen-head"), ("GET", "/ingen-head")]


def test_each_distinct_url_is_asked_once_and_other_schemes_are_skipped(http_base: str) -> None:
    _Handler.seen.clear()
    urls = [f"{http_base}/ok"] * 3 + ["mailto:kulturkluster@regionsormland.se", "KKPERSONALLINKSUNSUBSCRIBEX"]
    assert check_links_online(urls) == []
    assert _Handler.seen == [("HEAD", "/ok")]


def test_unreachable_host_is_an_error(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/ok"
    [finding] = check_links_online([url], timeout=5)
    assert (finding.severity, finding.code) == ("error", "link_unreachable")
    assert url in finding.message and "går inte att nå" in finding.message


def test_https_with_a_trusted_certificate(https_base: str, ca: trustme.CA) -> None:
    client = ssl.create_default_context()
    ca.configure_trust(client)
    assert check_links_online([f"{https_base}/ok"], ssl_context=client) == []
    [finding] = check_links_online([f"{https_base}/saknas"], ssl_context=client)
    assert finding.code == "link_broken" and "404" in finding.message


def test_https_with_an_untrusted_certificate_is_unreachable(https_base: str) -> None:
    [finding] = check_links_online([f"{https_base}/ok"])
    assert finding.code == "link_unreachable" and "CERTIFICATE_VERIFY_FAILED" in finding.message


def test_no_urls_no_work() -> None:
    assert check_links_online([]) == []
