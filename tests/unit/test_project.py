"""Project-level promises: settings names, logging hygiene, the compose file."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from kulturkluster.logs import JsonFormatter
from kulturkluster.settings import ConfirmPolicy, InboundSource, Security, Settings

ROOT = Path(__file__).parents[2]


def test_contract_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "KK_DATABASE_URL": "postgresql+psycopg://u:p@db/kk",
        "KK_ORG__ADDRESS": "kulturkluster@Regionsormland.SE",
        "KK_ORG__NAME": "Kulturkluster Sörmland",
        "KK_PUBLIC_URL": "https://kk.example",
        "KK_SECRET_KEY": "s3cret",
        "KK_INBOUND__SOURCE": "imap",
        "KK_IMAP__HOST": "outlook.office365.com",
        "KK_IMAP__PORT": "993",
        "KK_IMAP__USERNAME": "kulturkluster@regionsormland.se",
        "KK_IMAP__PASSWORD": "pw",
        "KK_IMAP__SECURITY": "tls",
        "KK_IMAP__FOLDER": "Inkorgen",
        "KK_SMTP__HOST": "smtp.office365.com",
        "KK_SMTP__PORT": "587",
        "KK_SMTP__USERNAME": "u",
        "KK_SMTP__PASSWORD": "pw2",
        "KK_SMTP__SECURITY": "starttls",
        "KK_SUBSCRIBE__CONFIRM": "always",
        "KK_SUBSCRIBE__TRUSTED_AUTHSERV_ID": "mx.regionsormland.se",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    s = Settings()
    assert s.database_url == env["KK_DATABASE_URL"]
    assert s.org.address == "kulturkluster@regionsormland.se"
    assert (s.public_url, s.secret_key.get_secret_value()) == ("https://kk.example", "s3cret")
    assert s.inbound.source is InboundSource.IMAP
    assert (s.imap.host, s.imap.effective_port, s.imap.security, s.imap.folder) == (
        "outlook.office365.com",
        993,
        Security.TLS,
        "Inkorgen",
    )
    assert (s.smtp.host, s.smtp.effective_port, s.smtp.username) == ("smtp.office365.com", 587, "u")
    assert s.smtp.password.get_secret_value() == "pw2"
    assert (s.subscribe.confirm, s.subscribe.trusted_authserv_id) == (
        ConfirmPolicy.ALWAYS,
        "mx.regionsormland.se",
    )
    assert "pw" not in repr(s) and "s3cret" not in s.model_dump_json()


def test_no_settings_means_the_embedded_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    s = Settings()
    assert s.database_url == "sqlite:///var/kulturkluster.db"
    assert s.inbound.source is InboundSource.MAILDIR
    assert s.smtp.host == "" and s.smtp.outbox == Path("var/mail/outbox")
    assert s.subscribe.confirm is ConfirmPolicy.AUTO


def test_toml_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "kk.toml"
    config.write_text('public_url = "https://x.example"\n[imap]\nhost = "imap.example"\n', encoding="utf-8")
    monkeypatch.setenv("KK_CONFIG_FILE", str(config))
    s = Settings()
    assert (s.public_url, s.imap.host) == ("https://x.example", "imap.example")


def test_json_logs_mask_secrets() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "login", (), None)
    record.password = "hunter2"
    record.access_token = "eyJ..."
    record.mailbox = "INBOX"
    data = json.loads(JsonFormatter().format(record))
    assert (data["password"], data["access_token"], data["mailbox"]) == ("***", "***", "INBOX")


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose is not installed")
def test_docker_compose_file_validates() -> None:
    result = subprocess.run(
        ["docker-compose", "config", "-q"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def _env_names() -> list[str]:
    from pydantic import BaseModel

    names = []
    for name, field in Settings.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            names += [f"KK_{name.upper()}__{sub.upper()}" for sub in group.model_fields]
        else:
            names.append(f"KK_{name.upper()}")
    return names


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in _env_names() if f"`{name}`" not in readme]
    assert not missing
