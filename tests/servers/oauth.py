"""A local OAuth 2.0 authority over HTTPS (trustme certificate) for the Microsoft 365 tests.

It speaks what msal's client-credentials flow needs from Entra ID, and what a mail server needs to check
a token:

- ``GET /{tenant}/v2.0/.well-known/openid-configuration``: the discovery document msal reads first;
- ``POST /{tenant}/oauth2/v2.0/token``: ``grant_type=client_credentials``; a wrong secret gets Entra's
  ``invalid_client`` answer with an AADSTS code; success issues a random opaque token;
- ``POST /introspect`` (RFC 7662, ``token=...``): ``{"active": true, "username": mailbox}`` for a live
  token, ``{"active": false}`` for an unknown, expired or revoked one (Dovecot's oauth2 passdb asks here).

``check(token)`` answers the same question in-process (for aiosmtpd's XOAUTH2 authenticator);
``expire`` and ``revoke`` make an issued token stale without msal knowing.
"""

from __future__ import annotations

import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import trustme

TENANT = "kk-test-tenant"
CLIENT_ID = "00000000-0000-0000-0000-00000000c11e"
CLIENT_SECRET = "right-secret"
MAILBOX = "kulturkluster"  # the login the token is issued for (Dovecot's test user)


@dataclass
class Issued:
    client_id: str
    expires_at: float
    revoked: bool = False

    @property
    def active(self) -> bool:
        return not self.revoked and time.time() < self.expires_at


class TokenServer:
    """The authority on loopback; ``authority`` is the KK_OAUTH__AUTHORITY value for it."""

    def __init__(self, ca: trustme.CA, ca_path: Path, *, expires_in: int = 3600) -> None:
        self.ca_path = ca_path
        self.expires_in = expires_in
        self.username = MAILBOX
        self.clients = {CLIENT_ID: CLIENT_SECRET}
        self.tokens: dict[str, Issued] = {}
        self.token_requests = 0
        self.introspections = 0
        self.lock = threading.Lock()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def authority(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def introspection_url(self) -> str:
        return f"{self.authority}/introspect"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- what tests do to tokens --------------------------------------------------------------------------

    def check(self, token: str) -> bool:
        with self.lock:
            issued = self.tokens.get(token)
            return issued is not None and issued.active

    def expire(self, token: str) -> None:
        with self.lock:
            self.tokens[token].expires_at = 0

    def revoke_all(self) -> None:
        with self.lock:
            for issued in self.tokens.values():
                issued.revoked = True

    def last_token(self) -> str:
        with self.lock:
            return list(self.tokens)[-1]

    # -- the protocol ---------------------------------------------------------------------------------------

    def discovery(self, tenant: str) -> dict[str, Any]:
        base = f"{self.authority}/{tenant}"
        return {
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
        }

    def token(self, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.token_requests += 1
            if tenant != TENANT:
                return 400, _error("invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
            if form.get("grant_type") != "client_credentials":
                return 400, _error("unsupported_grant_type", "AADSTS70003: grant type not supported.")
            client_id = form.get("client_id", "")
            if client_id not in self.clients:
                return 400, _error(
                    "unauthorized_client", f"AADSTS700016: Application '{client_id}' not found."
                )
            if not secrets.compare_digest(self.clients[client_id], form.get("client_secret", "")):
                return 401, _error("invalid_client", "AADSTS7000215: Invalid client secret provided.")
            if form.get("scope") != "https://outlook.office365.com/.default":
                return 400, _error(
                    "invalid_scope", "AADSTS1002012: The provided value for scope is not valid."
                )
            token = secrets.token_urlsafe(24)
            self.tokens[token] = Issued(client_id, time.time() + self.expires_in)
        return 200, {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": token}

    def introspect(self, form: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            self.introspections += 1
        if not self.check(form.get("token", "")):
            return {"active": False}
        return {"active": True, "username": self.username}


def _error(code: str, description: str) -> dict[str, Any]:
    return {"error": code, "error_description": f"{description}\r\nTrace ID: 0\r\nTimestamp: now"}


def _handler_for(server: TokenServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet tests

        def do_GET(self) -> None:
            parts = self.path.split("?")[0].strip("/").split("/")
            if len(parts) == 4 and parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
                self._json(200, server.discovery(parts[0]))
            else:
                self._json(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            parts = self.path.split("?")[0].strip("/").split("/")
            if parts == ["introspect"]:
                self._json(200, server.introspect(form))
            elif len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"]:
                self._json(*server.token(parts[0], form))
            else:
                self._json(404, {"error": "not_found"})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
