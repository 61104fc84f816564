"""Checks that talk to things: the database, the mailbox (IMAP, LMTP or Maildir), the SMTP relay,
Microsoft's token endpoint and the public pages. Each returns a ``Result`` and never raises."""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import urllib.error
import urllib.request
from pathlib import Path

from kulturkluster import migrate
from kulturkluster.db import Database
from kulturkluster.oauth import OAuthClient, OAuthError, imap_client, shared_provider, smtp_client
from kulturkluster.settings import ImapAuth, InboundSource, LmtpSettings, Settings, SmtpAuth
from kulturkluster.texts import t

from .model import Result, Status


def check_database(settings: Settings) -> Result:
    db = Database(settings.database_url)
    try:
        current = migrate.is_current(db)
    except Exception as exc:  # any driver's "cannot connect"
        return Result(
            "database", Status.FAIL, t("doctor.db_unreachable", error=_short(exc)), t("doctor.db_hint")
        )
    finally:
        db.dispose()
    if not current:
        return Result("database", Status.FAIL, t("doctor.db_old"), t("db.not_current"))
    return Result("database", Status.OK, t("doctor.db_ok", dialect=db.dialect))


def check_source(settings: Settings) -> Result:
    source = settings.inbound.source
    if source is InboundSource.MAILDIR:
        path = settings.inbound.maildir
        assert path is not None
        if (path.is_dir() and os.access(path, os.W_OK)) or not path.exists():
            return Result("source", Status.OK, t("doctor.maildir_ok", path=path))
        return Result("source", Status.FAIL, t("doctor.maildir_bad", path=path))
    if source is InboundSource.LMTP:
        return _check_lmtp(settings.lmtp)
    return _check_imap(settings)


def _check_imap(settings: Settings) -> Result:
    from inbound.sources.base import SourceUnavailable  # noqa: PLC0415 - imapclient only for this check
    from inbound.sources.imap import ImapSource  # noqa: PLC0415

    cfg = settings.imap
    provider = shared_provider(imap_client(cfg, settings.oauth)) if cfg.auth is ImapAuth.XOAUTH2 else None
    source = ImapSource(cfg, settings.folders, idle_timeout=1, poll_interval=1, token_provider=provider)
    try:
        source.connect()
        client = source.client
        idle = client.has_capability("IDLE")
        existing = {name for _flags, _delim, name in client.list_folders()}
        delimiter = source._delimiter
    except (SourceUnavailable, OSError) as exc:
        return Result("source", Status.FAIL, str(exc), t("doctor.imap_hint"))
    finally:
        source.close()
    wanted = [
        folder.replace("/", delimiter)
        for folder in settings.folders.model_dump().values()
        if isinstance(folder, str)
    ]
    missing = [name for name in wanted if name not in existing]
    message = t("doctor.imap_ok", user=cfg.username, host=cfg.host, folder=cfg.folder)
    notes = [] if idle else [t("doctor.imap_no_idle", seconds=settings.inbound.poll_interval)]
    if missing:
        notes.append(t("doctor.imap_folders_missing", folders=", ".join(missing)))
    return Result("source", Status.WARN if not idle else Status.OK, message, " ".join(notes))


def _check_lmtp(cfg: LmtpSettings) -> Result:
    where = str(cfg.socket) if cfg.socket else f"{cfg.host}:{cfg.port}"
    try:
        client = smtplib.LMTP(
            str(cfg.socket) if cfg.socket else cfg.host, 0 if cfg.socket else cfg.port, timeout=5
        )
    except OSError:
        return _lmtp_free(cfg, where)
    with client:
        code, _ = client.ehlo()
    if code == 250:
        return Result("source", Status.OK, t("doctor.lmtp_answers", where=where))
    return Result("source", Status.FAIL, t("doctor.lmtp_bad", where=where, code=code))


def _lmtp_free(cfg: LmtpSettings, where: str) -> Result:
    """Nothing listens: fine while the service is stopped, if the service could listen there."""
    if cfg.socket is not None:
        ok = os.access(cfg.socket.parent, os.W_OK)
    else:
        try:
            with socket.create_server((cfg.host, cfg.port)):
                ok = True
        except OSError:
            ok = False
    if ok:
        return Result("source", Status.WARN, t("doctor.lmtp_not_running", where=where), t("doctor.lmtp_hint"))
    return Result("source", Status.FAIL, t("doctor.lmtp_cannot_listen", where=where))


def check_relay(settings: Settings) -> Result:
    from mailer.transport import DeliveryError, SmtpTransport  # noqa: PLC0415

    cfg = settings.smtp
    if not cfg.host:
        return Result("smtp", Status.OK, t("doctor.smtp_outbox", path=cfg.outbox))
    provider = shared_provider(smtp_client(cfg, settings.oauth)) if cfg.auth is SmtpAuth.XOAUTH2 else None
    try:
        features = SmtpTransport(cfg, token_provider=provider).verify()
    except DeliveryError as exc:
        return Result("smtp", Status.FAIL, str(exc), t("doctor.smtp_hint"))
    auth = cfg.auth.value if (cfg.username or cfg.auth is SmtpAuth.XOAUTH2) else "-"
    message = t(
        "doctor.smtp_ok", host=cfg.host, port=cfg.effective_port, security=cfg.security.value, auth=auth
    )
    if cfg.security.value == "none" and cfg.host not in ("localhost", "127.0.0.1", "::1"):
        return Result("smtp", Status.WARN, message, t("doctor.smtp_plain_hint"))
    return Result("smtp", Status.OK, message, " ".join(f for f in features if f == "pipelining"))


def check_oauth(settings: Settings) -> list[Result]:
    clients: dict[OAuthClient, str] = {}
    if settings.imap.auth is ImapAuth.XOAUTH2:
        clients[imap_client(settings.imap, settings.oauth)] = "IMAP"
    if settings.smtp.host and settings.smtp.auth is SmtpAuth.XOAUTH2:
        smtp = smtp_client(settings.smtp, settings.oauth)
        same = next((c for c in clients if (c.tenant, c.client_id) == (smtp.tenant, smtp.client_id)), None)
        if same is None or same.client_secret != smtp.client_secret:
            clients[smtp] = "SMTP"
    results = []
    for client, group in clients.items():
        try:
            shared_provider(client)()  # the token itself is never shown
        except OAuthError as exc:
            results.append(Result(f"oauth.{group.lower()}", Status.FAIL, str(exc)))
            continue
        results.append(
            Result(f"oauth.{group.lower()}", Status.OK, t("doctor.oauth_ok", client_id=client.client_id))
        )
    return results


def check_public_url(url: str, timeout: float = 10.0) -> Result:
    if not url.startswith("https://"):
        return Result(
            "public_url", Status.FAIL, t("doctor.url_not_https", url=url), t("doctor.url_https_hint")
        )
    probe = url.rstrip("/") + "/healthz"
    try:
        with urllib.request.urlopen(probe, timeout=timeout, context=ssl.create_default_context()) as response:  # noqa: S310 - https only, checked above
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Result("public_url", Status.FAIL, t("doctor.url_unreachable", url=probe, error=reason))
    if status >= 500:
        return Result("public_url", Status.FAIL, t("doctor.url_error", url=probe, status=status))
    return Result("public_url", Status.OK, t("doctor.url_ok", url=url))


def read_key(path: Path | None) -> bytes | None:
    try:
        return path.read_bytes() if path is not None else None
    except OSError:
        return None


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]
