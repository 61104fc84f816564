"""Shared fixtures: databases (SQLite and PostgreSQL), a real SMTP server, a real Dovecot IMAP server.

Every test that takes ``db`` runs twice, once per backend. PostgreSQL is required: set
``KK_TEST_POSTGRES_URL`` to point elsewhere than ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``;
only ``KK_TEST_SKIP_POSTGRES=1`` skips it, and CI never sets that.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from cases.replies import ReplyParts
from kulturkluster.db import Database
from kulturkluster.models import metadata
from kulturkluster.settings import Settings
from kulturkluster.wiring import Services
from tests.servers.databases import PostgresUnavailable, scratch_database
from tests.servers.dovecot import DovecotServer, dovecot_available
from tests.servers.smtp import SmtpServer

MAIL_DIR = Path(__file__).parent / "mail"
ORG_ADDRESS = "kulturkluster@kulturkluster.test"


@pytest.fixture(autouse=True, scope="session")
def _clean_environment() -> Iterator[None]:
    """Settings in the developer's shell must not leak into tests."""
    saved = {
        key: os.environ.pop(key)
        for key in list(os.environ)
        if key.startswith("KK_") and key != "KK_TEST_POSTGRES_URL"
    }
    os.environ["KK_CONFIG_FILE"] = "/nonexistent/kulturkluster.toml"
    yield
    os.environ.pop("KK_CONFIG_FILE", None)
    os.environ.update(saved)


def mail_bytes(name: str) -> bytes:
    return (MAIL_DIR / name).read_bytes()


# -- databases --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One migrated database per backend for the whole session (the migrations are tested on both)."""
    if request.param == "postgresql" and os.environ.get("KK_TEST_SKIP_POSTGRES") == "1":
        pytest.skip("KK_TEST_SKIP_POSTGRES=1")
    try:
        with scratch_database(request.param, tmp_path_factory.mktemp("db")) as db:
            yield db
    except PostgresUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture
def db(database: Database) -> Iterator[Database]:
    """A database with empty tables."""
    yield database
    with database.unit_of_work() as session:
        for table in reversed(metadata.sorted_tables):
            session.execute(delete(table))


# -- servers ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def smtp_session() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_session: SmtpServer) -> Iterator[SmtpServer]:
    smtp_session.reset()
    yield smtp_session
    smtp_session.reset()


@pytest.fixture(scope="session")
def dovecot_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DovecotServer]:
    reason = dovecot_available()
    if reason:
        pytest.fail(f"Dovecot is needed for the IMAP tests: {reason}")
    server = DovecotServer(tmp_path_factory.mktemp("dovecot"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def dovecot(dovecot_session: DovecotServer) -> Iterator[DovecotServer]:
    dovecot_session.reset()
    yield dovecot_session


# -- the service ------------------------------------------------------------------------------------------


def reply_parts(svc: Services) -> ReplyParts:
    """What ``cases.replies`` needs from the services, as the CLI and the web app pass it."""
    return ReplyParts(svc.settings.org, svc.settings.public_url, svc.renderer, svc.tokens)


def make_settings(db: Database, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "var",
        "database_url": db.url,
        "secret_key": "test-secret-key-0123456789",
        "org": {"address": ORG_ADDRESS, "name": "Kulturkluster Sörmland"},
        "subscribe": {"confirm": "never"},
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def services_factory(db: Database, tmp_path: Path) -> Iterator[Callable[..., Services]]:
    """Build Services on the test database: ``services_factory(smtp=..., subscribe=...)``."""
    built: list[Services] = []

    def factory(**overrides: object) -> Services:
        svc = Services(settings=make_settings(db, tmp_path, **overrides), db=db)
        built.append(svc)
        return svc

    yield factory
    for svc in built:
        if "pipeline" in svc.__dict__:
            svc.pipeline.parser.close()
        if svc._transport is not None:
            svc._transport.close()
