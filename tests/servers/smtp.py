"""A real aiosmtpd server for tests: records every message, can answer with chosen failure codes."""

from __future__ import annotations

import base64
import email
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

if TYPE_CHECKING:
    from tests.servers.oauth import TokenServer


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> Message:
        return email.message_from_bytes(self.data, policy=default_policy)


@dataclass
class RecordingHandler:
    """Stores what arrives; ``fail_with`` makes the next DATA answers fail (e.g. ["451 later", "550 no"]),
    ``refuse_rcpt`` the next RCPT answers. It advertises PIPELINING (RFC 2920) unless ``pipelining`` is
    off: aiosmtpd reads commands one line at a time, so pipelined commands work without more."""

    received: list[Received] = field(default_factory=list)
    fail_with: list[str] = field(default_factory=list)
    refuse_rcpt: list[str] = field(default_factory=list)
    pipelining: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname  # with this hook, aiosmtpd leaves that to us
        if not self.pipelining:
            return responses
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.lock:
            if self.refuse_rcpt:
                return self.refuse_rcpt.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.fail_with:
                return self.fail_with.pop(0)
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 OK"

    def messages_to(self, address: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if address in r.recipients]


@dataclass
class OAuthRecordingHandler(RecordingHandler):
    """Also speaks AUTH XOAUTH2 (as Exchange Online does), checking each bearer token with ``tokens``.

    A refused token gets the mechanism's error exchange: a 334 challenge carrying a JSON status, the
    client's empty answer, then 535.
    """

    tokens: TokenServer | None = None
    logins: list[str] = field(default_factory=list)
    refusals: int = 0

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        if len(args) > 1:
            blob = base64.b64decode(args[1])
        else:
            answer = await server.challenge_auth("")
            blob = answer if isinstance(answer, bytes) else b""
        fields = dict(part.split("=", 1) for part in blob.decode().split("\x01") if "=" in part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        assert self.tokens is not None
        if user and self.tokens.check(token):
            with self.lock:
                self.logins.append(user)
            return AuthResult(success=True, auth_data=user)
        with self.lock:
            self.refusals += 1
        status = {"status": "401", "schemes": "bearer", "scope": "https://outlook.office365.com/.default"}
        await server.challenge_auth(json.dumps(status))
        return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SmtpServer:
    """aiosmtpd on loopback, optionally with STARTTLS/implicit TLS and AUTH (user ``kk``, password ``pw``)."""

    def __init__(
        self,
        *,
        tls_context: ssl.SSLContext | None = None,
        implicit_tls: bool = False,
        require_auth: bool = False,
        oauth: TokenServer | None = None,
    ) -> None:
        self.handler = RecordingHandler() if oauth is None else OAuthRecordingHandler(tokens=oauth)
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if oauth is not None:  # plain-text loopback: AUTH XOAUTH2 offered without TLS
            kwargs.update(auth_require_tls=False, auth_exclude_mechanism=["LOGIN", "PLAIN"])
        if tls_context is not None and not implicit_tls:
            kwargs.update(tls_context=tls_context, require_starttls=True)
        if require_auth:
            # aiosmtpd counts only STARTTLS as TLS; over implicit TLS it must not insist on either.
            starttls = tls_context is not None and not implicit_tls
            kwargs.update(authenticator=self._authenticate, auth_required=starttls, auth_require_tls=starttls)
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            ssl_context=tls_context if implicit_tls else None,
            server_hostname="localhost",
            **kwargs,
        )

    @staticmethod
    def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"kk" and auth_data.password == b"pw"
        return AuthResult(success=ok, handled=False)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def reset(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()
            self.handler.fail_with.clear()
            self.handler.refuse_rcpt.clear()
            self.handler.pipelining = True
