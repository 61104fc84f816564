"""Microsoft 365 both ways, against servers that check tokens: msal's client-credentials flow against a local
HTTPS authority, AUTH XOAUTH2 to aiosmtpd, and IMAP XOAUTH2 to Dovecot with an oauth2 passdb that
introspects every token at the same authority.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pydantic import SecretStr

from inbound.sources.base import SourceUnavailable
from inbound.sources.imap import ImapSource
from kulturkluster.db import Database
from kulturkluster.doctor.connections import check_oauth
from kulturkluster.doctor.model import Status
from kulturkluster.oauth import shared_provider
from kulturkluster.settings import InboundSource, Settings
from kulturkluster.wiring import Services
from mailer.transport import TemporaryFailure, Transport, make_transport
from tests.servers.dovecot import DovecotServer, dovecot_available
from tests.servers.oauth import CLIENT_ID, CLIENT_SECRET, MAILBOX, TENANT, TokenServer
from tests.servers.smtp import OAuthRecordingHandler, SmtpServer

pytestmark = pytest.mark.integration

MESSAGE = b"From: kulturkluster@kulturkluster.test\r\nTo: anna@example.se\r\nSubject: Hej\r\n\r\nHej!\r\n"


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path]:
    authority = trustme.CA()
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    path.chmod(0o644)
    path.parent.chmod(0o755)
    return authority, path


@pytest.fixture
def tokens(ca: tuple[trustme.CA, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[TokenServer]:
    authority, path = ca
    # msal talks HTTPS through requests, which trusts the bundle named here (as behind a company proxy).
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(path))
    server = TokenServer(authority, path)
    server.start()
    shared_provider.cache_clear()
    yield server
    shared_provider.cache_clear()
    server.stop()


@pytest.fixture
def relay(tokens: TokenServer) -> Iterator[SmtpServer]:
    server = SmtpServer(oauth=tokens)
    server.start()
    yield server
    server.stop()


def settings(
    tokens: TokenServer, *, secret: str = CLIENT_SECRET, smtp_port: int = 0, **imap: object
) -> Settings:
    """The IMAP keys only: SMTP inherits the app registration from them."""
    return Settings(
        oauth={"authority": tokens.authority},
        imap={
            "auth": "xoauth2",
            "username": MAILBOX,
            "oauth_tenant": TENANT,
            "oauth_client_id": CLIENT_ID,
            "oauth_client_secret": secret,
            **imap,
        },
        smtp={
            "host": "127.0.0.1",
            "port": smtp_port,
            "security": "none",
            "auth": "xoauth2",
            "username": MAILBOX,
        },
    )


def transport(cfg: Settings) -> Transport:
    return make_transport(cfg.smtp, cfg.oauth)


def handler(relay: SmtpServer) -> OAuthRecordingHandler:
    assert isinstance(relay.handler, OAuthRecordingHandler)
    return relay.handler


def test_smtp_sends_with_a_token_from_the_same_app_registration(
    tokens: TokenServer, relay: SmtpServer
) -> None:
    cfg = settings(tokens, smtp_port=relay.port)
    assert cfg.smtp.oauth_client_id == CLIENT_ID  # defaulted from KK_IMAP__OAUTH_CLIENT_ID
    for _ in range(2):  # two connections, one token: it is cached until shortly before it expires
        sender = transport(cfg)
        sender.send(MESSAGE, "kulturkluster@kulturkluster.test", ["anna@example.se"])
        sender.close()
    assert len(relay.handler.received) == 2
    assert handler(relay).logins == [MAILBOX, MAILBOX]
    assert tokens.token_requests == 1


def test_a_token_close_to_expiry_is_renewed(tokens: TokenServer, relay: SmtpServer) -> None:
    tokens.expires_in = 240  # under msal's five-minute margin: every login takes a new token
    cfg = settings(tokens, smtp_port=relay.port)
    for _ in range(2):
        sender = transport(cfg)
        sender.send(MESSAGE, "kulturkluster@kulturkluster.test", ["anna@example.se"])
        sender.close()
    assert tokens.token_requests == 2


@pytest.mark.parametrize("stale", ["expired", "revoked"])
def test_a_stale_token_gets_one_fresh_token_and_one_retry(
    tokens: TokenServer, relay: SmtpServer, stale: str
) -> None:
    cfg = settings(tokens, smtp_port=relay.port)
    first = transport(cfg)
    first.send(MESSAGE, "kulturkluster@kulturkluster.test", ["anna@example.se"])
    first.close()
    if stale == "expired":  # the server's clock says so, msal's cache does not know yet
        tokens.expire(tokens.last_token())
    else:
        tokens.revoke_all()
    second = transport(cfg)
    second.send(MESSAGE, "kulturkluster@kulturkluster.test", ["anna@example.se"])
    second.close()
    assert len(relay.handler.received) == 2
    assert handler(relay).refusals == 1
    assert tokens.token_requests == 2


def test_a_relay_that_refuses_every_token_gets_one_retry_and_a_hint(
    tokens: TokenServer, relay: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tokens, "check", lambda token: False)  # e.g. SMTP.SendAsApp never granted
    sender = transport(settings(tokens, smtp_port=relay.port))
    with pytest.raises(TemporaryFailure) as caught:
        sender.send(MESSAGE, "kulturkluster@kulturkluster.test", ["anna@example.se"])
    # no SMTP code: the senders treat it as the relay being unavailable, nobody's address is scored
    assert caught.value.code is None
    assert "SMTP.SendAsApp" in str(caught.value) and "Add-MailboxPermission" in str(caught.value)
    assert handler(relay).refusals == 2 and tokens.token_requests == 2
    assert relay.handler.received == []


def test_a_wrong_secret_says_which_setting_without_the_secret(tokens: TokenServer, relay: SmtpServer) -> None:
    sender = transport(settings(tokens, secret="wrong-secret-value", smtp_port=relay.port))
    with pytest.raises(TemporaryFailure) as caught:
        sender.send(MESSAGE, "kulturkluster@kulturkluster.test", ["anna@example.se"])
    message = str(caught.value)
    assert "AADSTS7000215" in message and "KK_SMTP__OAUTH_CLIENT_SECRET" in message
    assert "wrong-secret-value" not in message and "Traceback" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert relay.handler.received == [] and handler(relay).logins == []


def test_an_unreachable_authority_names_the_setting(tokens: TokenServer, relay: SmtpServer) -> None:
    cfg = settings(tokens, smtp_port=relay.port)
    cfg.oauth.authority = "https://127.0.0.1:1"
    with pytest.raises(TemporaryFailure, match="KK_OAUTH__AUTHORITY"):
        transport(cfg).send(MESSAGE, "kulturkluster@kulturkluster.test", ["anna@example.se"])


# -- IMAP: Dovecot introspects every token at the authority ---------------------------------------------------


@pytest.fixture
def oauth_dovecot(
    tokens: TokenServer, ca: tuple[trustme.CA, Path], tmp_path: Path
) -> Iterator[DovecotServer]:
    reason = dovecot_available()
    if reason:
        pytest.skip(reason)
    with DovecotServer(tmp_path / "dovecot", oauth2=(tokens.introspection_url, ca[1])) as server:
        yield server


def imap_source(tokens: TokenServer, server: DovecotServer, *, secret: str = CLIENT_SECRET) -> ImapSource:
    cfg = settings(tokens, secret=secret, host=server.host, port=server.port, security="none")
    cfg = cfg.model_copy(update={"secret_key": SecretStr("test-secret-key-0123456789")})
    cfg.inbound.source = InboundSource.IMAP
    source = Services(settings=cfg, db=Database("sqlite://")).make_source()
    assert isinstance(source, ImapSource)
    return source


def test_imap_logs_in_with_a_token_dovecot_introspects(
    tokens: TokenServer, oauth_dovecot: DovecotServer
) -> None:
    source = imap_source(tokens, oauth_dovecot)
    source.connect()
    assert source.uidvalidity is not None
    source.close()
    assert tokens.introspections >= 1 and tokens.token_requests == 1


def test_imap_takes_one_fresh_token_after_a_revoked_one(
    tokens: TokenServer, oauth_dovecot: DovecotServer
) -> None:
    source = imap_source(tokens, oauth_dovecot)
    source.connect()
    source.close()
    tokens.revoke_all()
    source.connect()  # refused once, then a fresh token
    source.close()
    assert tokens.token_requests == 2


def test_imap_wrong_secret_is_a_plain_message(tokens: TokenServer, oauth_dovecot: DovecotServer) -> None:
    source = imap_source(tokens, oauth_dovecot, secret="nope")
    with pytest.raises(SourceUnavailable, match="KK_IMAP__OAUTH_CLIENT_SECRET"):
        source.connect()


def test_doctor_asks_for_a_token_and_shows_what_microsoft_said(tokens: TokenServer) -> None:
    good = check_oauth(settings(tokens))
    assert [(r.check, r.status) for r in good] == [("oauth.imap", Status.OK)]  # SMTP shares the app
    [bad] = check_oauth(settings(tokens, secret="wrong-secret-value"))
    assert bad.status is Status.FAIL and "AADSTS7000215" in bad.message
    assert "wrong-secret-value" not in bad.message
