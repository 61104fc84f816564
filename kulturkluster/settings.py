"""Service settings: one pydantic-settings model, grouped by component.

Values come from (highest first) environment variables with the prefix ``KK_`` and ``__`` between a group
and its key (``KK_IMAP__HOST``), a ``.env`` file, and ``kulturkluster.toml`` in the working directory (or
the file named by ``KK_CONFIG_FILE``). With nothing set at all the service runs on its embedded default: a
SQLite file and local Maildir folders under ``./var/``.

Each component receives only its own group (``settings.imap``, ``settings.smtp``, ...), never the whole model.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_DATA_DIR = Path("var")
# The service's own accessibility statement (kulturkluster.web.accessibility serves it).
ACCESSIBILITY_PATH = "/tillganglighet"
DEFAULT_SECRET = "change-me-insecure-default"  # noqa: S105 - the placeholder that `check_secret` refuses


class Security(StrEnum):
    """How a connection to a mail server is protected."""

    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


class InboundSource(StrEnum):
    IMAP = "imap"
    MAILDIR = "maildir"
    LMTP = "lmtp"


class ConfirmPolicy(StrEnum):
    """Double opt-in policy for subscriptions by email."""

    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class UnsubscribeConfirm(StrEnum):
    """Whether an "Avsluta" mail without proof is confirmed by a reply first."""

    AUTO = "auto"
    NEVER = "never"


class ImapAuth(StrEnum):
    LOGIN = "login"
    XOAUTH2 = "xoauth2"


class SmtpAuth(StrEnum):
    LOGIN = "login"
    XOAUTH2 = "xoauth2"


class OrgSettings(BaseModel):
    name: str = Field("Kulturkluster Sörmland", description="The organisation's name, shown in every mail.")
    address: str = Field(
        "kulturkluster@localhost",
        description="The shared mailbox's address: From of every mail we send, and the address people write to.",
    )
    postal_address: str = Field(
        "Region Sörmland, 611 88 Nyköping", description="Postal address shown in the footer of mails."
    )
    accessibility_url: str = Field(
        "",
        description="The organisation's own accessibility statement (tillgänglighetsredogörelse), linked from "
        "the public pages and the footer of every mail. Empty: the service's own page `/tillganglighet`.",
    )

    @field_validator("address")
    @classmethod
    def _lower_domain(cls, value: str) -> str:
        local, _, domain = value.strip().rpartition("@")
        if not local or not domain:
            raise ValueError(f"not an email address: {value!r}")
        return f"{local}@{domain.lower()}"

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    def statement_url(self, public_url: str) -> str:
        """Where the accessibility statement is: the organisation's own page, or the one this service serves."""
        return self.accessibility_url or f"{public_url.rstrip('/')}{ACCESSIBILITY_PATH}"


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


class SubscribeSettings(BaseModel):
    confirm: ConfirmPolicy = Field(
        ConfirmPolicy.AUTO,
        description="`always` asks every new subscriber to confirm; `never` activates at once; `auto` "
        "activates at once when the trusted server's Authentication-Results show dmarc=pass for the "
        "sender's domain, and asks for confirmation otherwise.",
    )
    trusted_authserv_id: str = Field(
        "",
        description="authserv-id of the receiving server whose Authentication-Results header is believed "
        "(e.g. `mx.example.se`). Empty: no header is believed, so `auto` always asks for confirmation.",
    )
    confirm_max_age_days: int = Field(14, ge=1, description="How long a confirmation request stays valid.")
    bounce_threshold: float = Field(
        3.0,
        gt=0,
        description="Bounce score at which an address gets no more newsletters (permanent failure +1, "
        "temporary +0.5 at most once a day, reset after a quiet week).",
    )


class UnsubscribeSettings(BaseModel):
    confirm: UnsubscribeConfirm = Field(
        UnsubscribeConfirm.AUTO,
        description='`auto`: an "Avsluta" mail unsubscribes at once only with our signed token (the '
        "List-Unsubscribe mailto) or dmarc=pass from the trusted server; otherwise the person confirms by "
        'replying. `never`: every "Avsluta" mail unsubscribes at once. Links and one-click are always immediate.',
    )


class CaseSettings(BaseModel):
    reopen_days: int = Field(
        30,
        ge=0,
        description="A reply to a case closed at most this many days ago reopens it; later, a new case follows it.",
    )
    new_per_sender_per_day: int = Field(
        3,
        ge=1,
        description="New cases one sender opens per 24 h; later mail joins the newest of them still open "
        "(an autoresponder that changes its subject every time opens no more).",
    )
    attachments_dir: Path | None = Field(
        None,
        description="Where attachment files are kept (content-addressed). Default `<data_dir>/attachments`.",
    )
    max_attachment_bytes: int = Field(
        30 * 1024 * 1024,
        description="Larger attachments are not kept as files (the raw message still has them).",
    )
    retention_months: int = Field(
        0,
        ge=0,
        description="`kulturkluster maintenance run` anonymises cases closed more than this many months ago "
        "(their numbers stay in the reports). 0 keeps everything.",
    )


class AutoAnswerSettings(BaseModel):
    per_address_per_day: int = Field(
        3, ge=0, description="Automatic answers (welcome, confirmation, ...) one address can get per 24 h."
    )
    per_hour: int = Field(
        200,
        ge=0,
        description="Automatic answers to people (receipts, welcomes, ...) per hour, at most; more wait for "
        "the next hour, none is dropped.",
    )
    confirm_per_hour: int = Field(
        100,
        ge=0,
        description="Confirmation requests (join or leave) per hour, at most; a pool of its own, so a forged "
        "sign-up flood never holds back a receipt. More are kept as suppressed.",
    )


class MailerSettings(BaseModel):
    """The newsletter sender and the relay's limits (Microsoft 365 allows 30 a minute, 10,000 a day)."""

    per_minute: int = Field(
        30, ge=0, description="Messages handed to the relay per minute, at most (all workers). 0: no limit."
    )
    per_day: int = Field(
        10000,
        ge=0,
        description="Recipients per rolling 24 hours, at most (all workers, answers included). 0: no limit.",
    )
    concurrency: int = Field(
        2, ge=1, le=32, description="SMTP connections one `mailer run` process uses at once."
    )
    batch_size: int = Field(100, ge=1, description="Deliveries one worker claims at a time.")
    lease_seconds: int = Field(
        300, ge=1, description="A claimed batch that is not finished by then (a dead worker) is taken over."
    )
    max_attempts: int = Field(
        10,
        ge=1,
        description="Temporary refusals (4xx) of one recipient before the delivery counts as failed "
        "(a relay that is away costs no attempts).",
    )
    poll_interval: float = Field(
        10.0, gt=0, description="Seconds `mailer run` waits when there is nothing to send."
    )
    relay_pause_after: int = Field(
        5,
        ge=1,
        description="Refusals about us (sender, policy, size: not the recipient) in a row that pause a "
        "campaign with the relay's reply as the reason; most of the last 50 do too.",
    )
    verp: bool = Field(
        False,
        description="Use a per-recipient return path (`local+b…@domain`, plus addressing) so a bounce names "
        "its recipient. The mailbox must accept plus addresses.",
    )
    list_id: str = Field("", description="List-Id header value. Default `nyhetsbrev.<org domain>`.")


class DkimSettings(BaseModel):
    """DKIM signing of outgoing mail (dkimpy). Signing is on when all three are set."""

    selector: str = Field("", description="DKIM selector, e.g. `kk2026` (DNS: `kk2026._domainkey.<domain>`).")
    private_key_file: Path | None = Field(
        None, description="The private key: RSA in PEM, or an Ed25519 key file from dkimpy's `dknewkey`."
    )
    domain: str = Field("", description="The signing domain (d=), normally the From domain.")

    @property
    def enabled(self) -> bool:
        return bool(self.selector and self.private_key_file and self.domain)


class WebSettings(BaseModel):
    """The staff app."""

    session_max_age_hours: float = Field(
        12.0,
        gt=0,
        description="A staff login lasts this many hours from the moment of login, used or not; then "
        "the person logs in again.",
    )


class DnsSettings(BaseModel):
    """The resolver `kulturkluster doctor` asks about the sending domain."""

    nameserver: str = Field(
        "", description="Name server to ask, `host` or `host:port`. Empty: the system's resolver."
    )


class Settings(BaseSettings):
    """All settings of the service. Environment: ``KK_<KEY>`` or ``KK_<GROUP>__<KEY>``."""

    model_config = SettingsConfigDict(
        env_prefix="KK_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        toml_file="kulturkluster.toml",
    )

    data_dir: Path = Field(DEFAULT_DATA_DIR, description="Where the embedded default keeps its files.")
    database_url: str = Field(
        "",
        description="SQLAlchemy URL. Empty: SQLite file `<data_dir>/kulturkluster.db`. PostgreSQL: "
        "`postgresql+psycopg://user:password@host/dbname`.",
    )
    public_url: str = Field(
        "http://localhost:8000", description="Base URL of the public pages (unsubscribe, confirm links)."
    )
    secret_key: SecretStr = Field(
        SecretStr(DEFAULT_SECRET),
        description="Signs tokens in links and Message-IDs. Set a long random value in production.",
    )
    trusted_proxies: str = Field(
        "127.0.0.1",
        description="Addresses of the HTTPS proxy in front of the web pages whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (comma-separated, `*` for any): the login limit counts per client.",
    )
    log_format: str = Field("text", description="`text` for people, `json` for log collectors.")
    log_level: str = Field("INFO", description="Python log level.")

    org: OrgSettings = Field(default_factory=OrgSettings)
    inbound: InboundSettings = Field(default_factory=InboundSettings)
    folders: FolderSettings = Field(default_factory=FolderSettings)
    imap: ImapSettings = Field(default_factory=ImapSettings)
    lmtp: LmtpSettings = Field(default_factory=LmtpSettings)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    oauth: OAuthSettings = Field(default_factory=OAuthSettings)
    subscribe: SubscribeSettings = Field(default_factory=SubscribeSettings)
    unsubscribe: UnsubscribeSettings = Field(default_factory=UnsubscribeSettings)
    auto_answers: AutoAnswerSettings = Field(default_factory=AutoAnswerSettings)
    cases: CaseSettings = Field(default_factory=CaseSettings)
    mailer: MailerSettings = Field(default_factory=MailerSettings)
    dkim: DkimSettings = Field(default_factory=DkimSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    dns: DnsSettings = Field(default_factory=DnsSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("KK_CONFIG_FILE", "kulturkluster.toml"))
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=toml_path),
            file_secret_settings,
        )

    @model_validator(mode="after")
    def _paths_under_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'kulturkluster.db'}"
        if self.inbound.maildir is None:
            self.inbound.maildir = self.data_dir / "mail" / "inbox"
        if self.smtp.outbox is None:
            self.smtp.outbox = self.data_dir / "mail" / "outbox"
        if self.cases.attachments_dir is None:
            self.cases.attachments_dir = self.data_dir / "attachments"
        return self

    @model_validator(mode="after")
    def _smtp_oauth_from_imap(self) -> Settings:
        # Sending and reading the same Microsoft 365 mailbox normally uses one app registration.
        smtp, imap = self.smtp, self.imap
        smtp.oauth_tenant = smtp.oauth_tenant or imap.oauth_tenant
        smtp.oauth_client_id = smtp.oauth_client_id or imap.oauth_client_id
        if not smtp.oauth_client_secret.get_secret_value():
            smtp.oauth_client_secret = imap.oauth_client_secret
        return self

    @property
    def uses_default_secret(self) -> bool:
        return self.secret_key.get_secret_value() in {DEFAULT_SECRET, ""}
