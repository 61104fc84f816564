"""Transports: the one seam between the mailer and the world. SMTP in production, a Maildir outbox locally.

A transport raises ``TemporaryFailure`` for anything worth retrying (4xx, lost connection),
``PermanentFailure`` for a 5xx answer about the recipient and ``RelayRefused`` for a 5xx answer about us
(the sender, policy, size: ``mailer.smtp_faults``); each names the stage of the transaction it came at.
The caller decides what to do with them.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

from kulturkluster.errors import ConfigurationError, ErrorKind, KulturklusterError
from kulturkluster.oauth import OAuthError, TokenProvider, shared_provider, smtp_client, xoauth2
from kulturkluster.settings import OAuthSettings, Security, SmtpAuth, SmtpSettings
from kulturkluster.texts import t

from . import smtp_faults
from .smtp_faults import Blame, Stage


class DeliveryError(KulturklusterError):
    kind = ErrorKind.UNAVAILABLE

    def __init__(self, message: str, code: int | None = None, stage: Stage | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.stage = stage


class NoRelayConfigured(ConfigurationError):
    """Neither an SMTP relay nor a local outbox folder is set, so mail has nowhere to go."""


class TemporaryFailure(DeliveryError):
    """Try again later: the relay said 4xx, or could not be reached."""

    kind = ErrorKind.UNAVAILABLE


class PermanentFailure(DeliveryError):
    """The relay refused this message for good (5xx), for a reason about the recipient."""

    kind = ErrorKind.REFUSED


class RelayRefused(TemporaryFailure):
    """A 5xx about us, not the recipient (``mailer.smtp_faults``): nobody's bounce, tried again later.

    A ``TemporaryFailure`` so that code which does not know it still retries rather than charges."""


class Transport(Protocol):
    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None: ...

    def close(self) -> None: ...


class MaildirTransport:
    """Writes each message into a local Maildir, for the embedded default and for looking at mail."""

    def __init__(self, path: Path) -> None:
        import mailbox  # noqa: PLC0415 - only this transport needs it

        for sub in ("tmp", "new", "cur"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        self._box = mailbox.Maildir(path, create=False)

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None:
        envelope = f"X-Envelope-From: <{sender}>\r\nX-Envelope-To: {', '.join(recipients)}\r\n".encode()
        try:
            self._box.add(envelope + raw)
        except OSError as exc:
            raise TemporaryFailure(f"cannot write to the outbox folder: {exc}") from exc

    def close(self) -> None:
        self._box.close()


class SmtpTransport:
    """One reused SMTP connection (reconnects when the server dropped it), with STARTTLS/TLS and AUTH.

    AUTH is LOGIN/PLAIN with a password, or XOAUTH2 with a token from ``token_provider`` (Microsoft 365).
    A relay that refuses a token gets one fresh token on a new connection before the refusal counts.
    """

    def __init__(
        self,
        settings: SmtpSettings,
        ssl_context: ssl.SSLContext | None = None,
        token_provider: TokenProvider | None = None,
    ) -> None:
        self.settings = settings
        self._context = ssl_context
        self._smtp: smtplib.SMTP | None = None
        self._tokens = token_provider

    def _connect(self) -> smtplib.SMTP:
        if self.settings.auth is not SmtpAuth.XOAUTH2:
            return self._open()
        try:
            return self._open()
        except _TokenRefused:
            assert self._tokens is not None
            self._tokens.invalidate()  # revoked or stale although not yet expired: one fresh token
        try:
            return self._open()
        except _TokenRefused as exc:
            # Not the recipient's fault: no code, so senders treat it as the relay being unavailable
            # (the mail stays queued, nobody's bounce score changes) until the permission is fixed.
            raise TemporaryFailure(
                t("smtp.oauth_refused", host=self.settings.host, user=self.settings.username, error=exc)
            ) from None

    def _authenticate(self, smtp: smtplib.SMTP) -> None:
        cfg = self.settings
        if cfg.auth is SmtpAuth.XOAUTH2:
            if self._tokens is None:
                raise TemporaryFailure(t("oauth.missing", settings="KK_SMTP__OAUTH_*"))
            try:
                token = self._tokens()
            except OAuthError as exc:  # a configuration problem, not the recipient's: see _connect
                raise TemporaryFailure(str(exc)) from None
            # The server answers a bad token with 334 and a JSON error; the empty reply ends the exchange.
            initial = xoauth2(cfg.username, token)
            try:
                smtp.auth("XOAUTH2", lambda challenge=None: initial if challenge is None else "")
            except smtplib.SMTPAuthenticationError as exc:
                raise _TokenRefused(exc.smtp_code, _reply_text(exc.smtp_error)) from None
        elif cfg.username:
            smtp.login(cfg.username, cfg.password.get_secret_value())

    def _open(self) -> smtplib.SMTP:
        cfg = self.settings
        port = cfg.effective_port
        context = self._context or default_tls_context()
        smtp: smtplib.SMTP | None = None
        try:
            if cfg.security is Security.TLS:
                smtp = smtplib.SMTP_SSL(cfg.host, port, timeout=cfg.timeout, context=context)
            else:
                smtp = smtplib.SMTP(cfg.host, port, timeout=cfg.timeout)
            smtp.ehlo()
            if cfg.security is Security.STARTTLS:
                smtp.starttls(context=context)
                smtp.ehlo()
            self._authenticate(smtp)
        except (_TokenRefused, DeliveryError):
            _close(smtp)
            raise
        except smtplib.SMTPAuthenticationError as exc:
            _close(smtp)
            raise PermanentFailure(t("smtp.auth_failed", host=cfg.host), exc.smtp_code) from exc
        except (OSError, smtplib.SMTPException) as exc:
            _close(smtp)
            raise TemporaryFailure(t("smtp.unreachable", host=cfg.host, port=port, error=exc)) from exc
        return smtp

    def verify(self) -> list[str]:
        """Connect, protect and authenticate as for sending, send nothing; returns the relay's extensions.

        Raises the same ``DeliveryError`` as ``send`` would (for ``kulturkluster doctor``)."""
        smtp = self._connect()
        try:
            return sorted(smtp.esmtp_features)
        finally:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
            _close(smtp)

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None:
        reused = self._smtp is not None
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = _transaction(self._smtp, raw, sender, list(recipients))
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            if reused:  # the relay closed an idle connection we kept: one fresh connection, at once
                self.send(raw, sender, recipients)
                return
            raise TemporaryFailure(f"connection lost: {exc}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise self._failure(code, reply, Stage.RCPT) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise self._failure(exc.smtp_code, exc.smtp_error, Stage.MAIL) from exc
        except smtplib.SMTPDataError as exc:
            raise self._failure(exc.smtp_code, exc.smtp_error, Stage.DATA) from exc
        except (TimeoutError, OSError) as exc:
            self._drop()
            raise TemporaryFailure(f"connection lost: {exc}") from exc
        except smtplib.SMTPException as exc:
            self._drop()
            raise TemporaryFailure(str(exc)) from exc
        if refused:
            code, reply = next(iter(refused.values()))
            raise self._failure(code, reply, Stage.RCPT)

    def _failure(self, code: int, reply: bytes | str, stage: Stage) -> DeliveryError:
        if code == 421:  # "closing transmission channel": this connection is finished
            self._drop()
        return _failure(code, reply, stage)

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        _close(smtp)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
        self._drop()


def _transaction(
    smtp: smtplib.SMTP, raw: bytes, sender: str, recipients: list[str]
) -> dict[str, tuple[int, bytes]]:
    """One mail transaction; with PIPELINING (RFC 2920) MAIL, RCPT and DATA go in one write.

    smtplib waits for each reply in turn: four round trips per message. Pipelined it is two, which is
    most of the difference to Postfix's own tools on a fast relay. Returns the refused recipients as
    ``sendmail`` does, and raises the same smtplib exceptions.
    """
    if not smtp.has_extn("pipelining") or not (sender + "".join(recipients)).isascii():
        return smtp.sendmail(sender, recipients, raw)
    commands = f"MAIL FROM:<{sender}>\r\n" + "".join(f"RCPT TO:<{r}>\r\n" for r in recipients) + "DATA\r\n"
    smtp.send(commands.encode("ascii"))
    mail_reply = smtp.getreply()
    rcpt_replies = [smtp.getreply() for _ in recipients]
    data_code, data_message = smtp.getreply()
    refused = {
        r: reply for r, reply in zip(recipients, rcpt_replies, strict=True) if reply[0] not in (250, 251)
    }
    accepted = mail_reply[0] == 250 and len(refused) < len(recipients)
    if data_code == 354 and not accepted:  # a server that took DATA anyway: end it empty
        smtp.send(b".\r\n")
        smtp.getreply()
    if mail_reply[0] != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(mail_reply[0], mail_reply[1], sender)
    if not accepted:
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    if data_code != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(data_code, data_message)
    _send_data(smtp, raw)
    code, message = smtp.getreply()
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPDataError(code, message)
    return refused


def _send_data(smtp: smtplib.SMTP, raw: bytes) -> None:
    """The message and the final dot in one write, with no copy of the message's bytes: dot-stuffing
    (RFC 5321 4.5.2: a line starting with "." gets another; a quoted-printable body can have such lines)
    sends the extra dots as pieces of their own between views of the message (``sendmsg``)."""
    sock = smtp.sock
    if sock is None:
        raise smtplib.SMTPServerDisconnected("please run connect() first")
    end = b".\r\n" if raw.endswith(b"\r\n") else b"\r\n.\r\n"
    try:
        if isinstance(sock, ssl.SSLSocket):  # no scatter-gather through TLS (it copies as it encrypts)
            sock.sendall(raw.replace(b"\r\n.", b"\r\n..") + end)
            return
        send_pieces(sock, [*dot_stuffed(raw), end])
    except OSError:
        smtp.close()
        raise smtplib.SMTPServerDisconnected("Server not connected") from None


def dot_stuffed(raw: bytes) -> list[bytes | memoryview]:
    """``raw`` as SMTP DATA wants it, as views of ``raw`` with a "." piece before each line's leading dot."""
    found = raw.find(b"\r\n.")
    if found < 0:
        return [raw]
    view, start = memoryview(raw), 0
    pieces: list[bytes | memoryview] = []
    while found >= 0:
        pieces += (view[start : found + 2], b".")
        start = found + 2  # the line's own dot begins the next view
        found = raw.find(b"\r\n.", start)
    pieces.append(view[start:])
    return pieces


_MAX_PIECES = 512  # below IOV_MAX (1024 on Linux)


def send_pieces(sock: socket.socket, pieces: list[bytes | memoryview]) -> None:
    """Write every piece, in order, with as few system calls as the socket allows (partial writes go on)."""
    while pieces:
        sent = sock.sendmsg(pieces[:_MAX_PIECES])
        while pieces and sent >= len(pieces[0]):
            sent -= len(pieces[0])
            pieces.pop(0)
        if sent:
            pieces[0] = memoryview(pieces[0])[sent:]


@cache
def default_tls_context() -> ssl.SSLContext:
    """One context for every connection of the process, made at the first TLS connection: loading the
    system's CA certificates costs ~1 MiB and ~15 ms, and the sender opens a connection per lane."""
    return ssl.create_default_context()


class _TokenRefused(Exception):
    """The relay answered AUTH XOAUTH2 with 5xx: the token may be stale, worth one fresh one."""

    def __init__(self, code: int, reply: str) -> None:
        super().__init__(f"{code} {reply}")
        self.code = code


def _reply_text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()


def _failure(code: int, reply: bytes | str, stage: Stage | None = None) -> DeliveryError:
    """The relay's reply kept whole in the message; a 5xx is the recipient's or the relay's by the table."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    message = f"{code} {text}"
    if not 500 <= code < 600:
        return TemporaryFailure(message, code, stage)
    if smtp_faults.classify(stage, code, text).blame is Blame.RELAY:
        return RelayRefused(message, code, stage)
    return PermanentFailure(message, code, stage)


def make_transport(settings: SmtpSettings, oauth: OAuthSettings | None = None) -> Transport:
    """SMTP when a relay is configured, otherwise the local outbox Maildir."""
    if settings.host:
        provider = None
        if settings.auth is SmtpAuth.XOAUTH2:
            provider = shared_provider(smtp_client(settings, oauth or OAuthSettings()))
        return SmtpTransport(settings, token_provider=provider)
    if settings.outbox is None:  # Settings sets it under the data folder; only a hand-made one lacks it
        raise NoRelayConfigured(t("smtp.no_relay"))
    return MaildirTransport(settings.outbox)
