"""Service settings: one pydantic-settings model, grouped by component.

Values come from (highest first) environment variables with the prefix ``KK_`` and ``__`` between a group
and its key (``KK_IMAP__HOST``), a ``.env`` file, and ``kulturkluster.toml`` in the working directory (or
the file named by ``KK_CONFIG_FILE``). With nothing set at all the service runs on its embedded default: a
SQLite file and local Maildir folders under ``./var/``.

Each component receives only its own group (``settings.imap``, ``settings.smtp``, ...), never the whole model.

The groups live in ``mail.py`` (mail connections) and ``service.py`` (the service's own work); everything
is importable from here.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .mail import (
    DkimSettings,
    DnsSettings,
    FolderSettings,
    ImapAuth,
    ImapSettings,
    InboundSettings,
    InboundSource,
    LmtpSettings,
    OAuthSettings,
    Security,
    SmtpAuth,
    SmtpSettings,
)
from .service import (
    ACCESSIBILITY_PATH,
    DEFAULT_DATA_DIR,
    DEFAULT_SECRET,
    AutoAnswerSettings,
    CaseSettings,
    ConfirmPolicy,
    MailerSettings,
    OrgSettings,
    SubscribeSettings,
    UnsubscribeConfirm,
    UnsubscribeSettings,
    WebSettings,
)

__all__ = [
    "ACCESSIBILITY_PATH",
    "DEFAULT_DATA_DIR",
    "DEFAULT_SECRET",
    "AutoAnswerSettings",
    "CaseSettings",
    "ConfirmPolicy",
    "DkimSettings",
    "DnsSettings",
    "FolderSettings",
    "ImapAuth",
    "ImapSettings",
    "InboundSettings",
    "InboundSource",
    "LmtpSettings",
    "MailerSettings",
    "OAuthSettings",
    "OrgSettings",
    "Security",
    "Settings",
    "SmtpAuth",
    "SmtpSettings",
    "SubscribeSettings",
    "UnsubscribeConfirm",
    "UnsubscribeSettings",
    "WebSettings",
]


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
