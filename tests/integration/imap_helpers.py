"""Helpers for tests against the private Dovecot: settings for it, and looking into its folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.servers.dovecot import DovecotServer
from tests.servers.smtp import SmtpServer


def imap_overrides(dovecot: DovecotServer, smtp: SmtpServer) -> dict[str, Any]:
    return {
        "inbound": {"source": "imap", "idle_timeout": 5, "poll_interval": 0.2},
        "imap": {
            "host": dovecot.host,
            "port": dovecot.port,
            "username": "kulturkluster",
            "password": "secret",
            "security": "none",
            "timeout": 10,
        },
        "smtp": {"host": "127.0.0.1", "port": smtp.port, "security": "none"},
    }


def imap_env(dovecot: DovecotServer, smtp: SmtpServer, database_url: str) -> dict[str, str]:
    """The same settings as KK_* environment variables, for a service running in another process."""
    return {
        "KK_DATABASE_URL": database_url,
        "KK_SECRET_KEY": "test-secret-key-0123456789",
        "KK_ORG__ADDRESS": "kulturkluster@kulturkluster.test",
        "KK_SUBSCRIBE__CONFIRM": "never",
        "KK_INBOUND__SOURCE": "imap",
        "KK_IMAP__HOST": dovecot.host,
        "KK_IMAP__PORT": str(dovecot.port),
        "KK_IMAP__USERNAME": "kulturkluster",
        "KK_IMAP__PASSWORD": "secret",
        "KK_IMAP__SECURITY": "none",
        "KK_SMTP__HOST": "127.0.0.1",
        "KK_SMTP__PORT": str(smtp.port),
        "KK_SMTP__SECURITY": "none",
    }


def append(dovecot: DovecotServer, *raws: bytes, folder: str = "INBOX") -> None:
    client = dovecot.client()
    try:
        for raw in raws:
            client.append(folder, raw)
    finally:
        client.logout()


def folder_counts(dovecot: DovecotServer) -> dict[str, int]:
    """Messages per folder, empty folders left out."""
    client = dovecot.client()
    try:
        counts = {}
        for _flags, _delim, name in client.list_folders():
            n = client.folder_status(name, ["MESSAGES"])[b"MESSAGES"]
            if n:
                counts[str(name)] = int(n)
        return counts
    finally:
        client.logout()


def run_service(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python ARGS`` from the repository root with ``env`` over this environment (e.g. ``imap_env``)."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=Path(__file__).parents[2],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
