"""Settings of the mail connections: where mail comes from (IMAP, LMTP, Maildir), the SMTP relay, OAuth, DKIM, DNS."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr


class Security(StrEnum):
    """How a connection to a mail server is protected."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class InboundSource(StrEnum):
    IMAP = "imap"
    MAILDIR = "maildir"
    LMTP = "lmtp"


class ImapAuth(StrEnum):
    LOGIN = "login"
    XOAUTH2 = "xoauth2"


class SmtpAuth(StrEnum):
    LOGIN = "login"
    XOAUTH2 = "xoauth2"


class InboundSettings(BaseModel):
    source: InboundSource = Field(
        InboundSource.MAILDIR,
        description="Where new mail is read: `imap` (the shared mailbox), `maildir`, or `lmtp` (the "
        "organisation's own Postfix delivers to us).",
    )
    maildir: Path | None = Field(
        None,
        description="Maildir read when source is `maildir`; handled mail moves to sub-folders of it. "
        "Default `<data_dir>/mail/inbox`.",
    )
    poll_interval: float = Field(
        5.0, description="Seconds between checks when the IMAP server has no IDLE, or for a Maildir."
    )
    idle_timeout: float = Field(
        600.0, description="Seconds an IMAP IDLE waits before it is renewed (servers drop it after 30 min)."
    )
    batch_size: int = Field(200, ge=1, description="Messages fetched and committed together.")
    isolate_bytes: int = Field(
        2 * 1024 * 1024, description="Messages at least this large are parsed in a separate process."
    )
    parse_timeout: float = Field(
        60.0, description="Seconds a message parsed in a separate process may take before it is quarantined."
    )
    max_message_bytes: int = Field(
        50 * 1024 * 1024,
        description="Larger messages are stored and quarantined instead of being parsed.",
    )


class FolderSettings(BaseModel):
    """Where handled mail is filed in the shared mailbox (IMAP) or inbox Maildir, by outcome.

    Use "/" for hierarchy; it is translated to the server's separator.
    """

    subscriptions: str = Field("Behandlat/Prenumerationer", description="subscribe, unsubscribe, confirm")
    cases: str = Field("Behandlat/Ärenden", description="new_case, case_reply")
    bounces: str = Field("Behandlat/Studsar", description="bounce")
    auto_replies: str = Field("Behandlat/Autosvar", description="auto_reply")
    quarantine: str = Field("Karantän", description="mail that could not be handled")


class ImapSettings(BaseModel):
    host: str = Field("localhost", description="IMAP server of the shared mailbox.")
    port: int | None = Field(None, description="Port; default 993 for `tls`, otherwise 143.")
    username: str = Field("", description="Login name.")
    password: SecretStr = Field(SecretStr(""), description="Password (plain LOGIN).")
    security: Security = Field(Security.TLS, description="`none`, `starttls` or `tls`.")
    folder: str = Field("INBOX", description="The folder new mail arrives in.")
    sent_folder: str = Field(
        "",
        description="The mailbox's Sent folder (replies sent as it from Outlook are recorded in their cases); "
        "empty: the folder marked `\\Sent` (SPECIAL-USE); `-`: do not read it.",
    )
    auth: ImapAuth = Field(
        ImapAuth.LOGIN,
        description="`login`, or `xoauth2` for Microsoft 365 (client credentials, see the oauth_* keys).",
    )
    oauth_tenant: str = Field("", description="Microsoft 365: directory (tenant) id, for xoauth2.")
    oauth_client_id: str = Field("", description="Microsoft 365: application (client) id, for xoauth2.")
    oauth_client_secret: SecretStr = Field(SecretStr(""), description="Microsoft 365: client secret.")
    timeout: float = Field(60.0, description="Socket timeout in seconds.")
    reconnect_max_delay: float = Field(300.0, description="Longest wait between reconnect attempts.")

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return 993 if self.security is Security.TLS else 143


class LmtpSettings(BaseModel):
    """The LMTP server that takes mail from the organisation's own mail server (source `lmtp`)."""

    host: str = Field("127.0.0.1", description="Address the LMTP server listens on.")
    port: int = Field(2424, description="TCP port of the LMTP server.")
    socket: Path | None = Field(
        None, description="Listen on this Unix socket instead of host and port (e.g. inside Postfix's spool)."
    )


class SmtpSettings(BaseModel):
    host: str = Field("", description="SMTP relay; empty means: write outgoing mail to the local outbox.")
    port: int | None = Field(None, description="Port; default 465 for `tls`, 587 for `starttls`, else 25.")
    username: str = Field("", description="AUTH user; empty means no AUTH.")
    password: SecretStr = Field(SecretStr(""), description="AUTH password.")
    security: Security = Field(Security.STARTTLS, description="`none`, `starttls` or `tls`.")
    auth: SmtpAuth = Field(
        SmtpAuth.LOGIN,
        description="`login` (username and password), or `xoauth2` for Microsoft 365: an access token for "
        "the mailbox in `username`, from the oauth_* keys.",
    )
    oauth_tenant: str = Field(
        "", description="Microsoft 365: directory (tenant) id. Default KK_IMAP__OAUTH_TENANT."
    )
    oauth_client_id: str = Field(
        "", description="Microsoft 365: application (client) id. Default KK_IMAP__OAUTH_CLIENT_ID."
    )
    oauth_client_secret: SecretStr = Field(
        SecretStr(""), description="Microsoft 365: client secret. Default KK_IMAP__OAUTH_CLIENT_SECRET."
    )
    timeout: float = Field(60.0, description="Socket timeout in seconds.")
    outbox: Path | None = Field(
        None,
        description="Maildir that receives outgoing mail when no relay is configured. "
        "Default `<data_dir>/mail/outbox`.",
    )

    @property
    def effective_port(self) -> int:
        if self.port is not None:
            return self.port
        return {Security.TLS: 465, Security.STARTTLS: 587, Security.NONE: 25}[self.security]


class OAuthSettings(BaseModel):
    """Where access tokens come from (shared by IMAP and SMTP)."""

    authority: str = Field(
        "https://login.microsoftonline.com",
        description="Microsoft Entra authority host; another for a national cloud (e.g. "
        "`https://login.microsoftonline.us`).",
    )


class DkimSettings(BaseModel):
    """DKIM signing of outgoing mail (RSA or Ed25519, through OpenSSL). Signing is on when all three are set."""

    selector: str = Field("", description="DKIM selector, e.g. `kk2026` (DNS: `kk2026._domainkey.<domain>`).")
    private_key_file: Path | None = Field(
        None, description="The private key: RSA in PEM, or an Ed25519 key file from dkimpy's `dknewkey`."
    )
    domain: str = Field("", description="The signing domain (d=), normally the From domain.")

    @property
    def enabled(self) -> bool:
        return bool(self.selector and self.private_key_file and self.domain)


class DnsSettings(BaseModel):
    """The resolver `kulturkluster doctor` asks about the sending domain."""

    nameserver: str = Field(
        "", description="Name server to ask, `host` or `host:port`. Empty: the system's resolver."
    )
