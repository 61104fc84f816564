"""The staff app in a real browser: uvicorn on a loopback port, Debian's chromium driven by Playwright.

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (``apt-get install chromium``;
``scripts/test`` installs it). Without it the browser tests FAIL, they do not skip.

These tests run on SQLite only: the ``database`` fixture below overrides the session-wide one (which is
parametrised over SQLite and PostgreSQL) for this directory. The app runs in a server thread, and each
flow is slow enough in a browser that running it twice buys little; the HTTP tests in ``tests/web`` run
every endpoint on both backends.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, sync_playwright

from inbound.classify import Route
from inbound.sources.base import Item
from kulturkluster import accounts
from kulturkluster.accounts import Role
from kulturkluster.db import Database
from kulturkluster.web import create_app
from kulturkluster.web.staff.auth import LoginLimiter
from kulturkluster.wiring import Services
from tests.servers.databases import scratch_database
from tests.servers.smtp import SmtpServer, free_port

CHROMIUM = Path(os.environ.get("KK_TEST_CHROMIUM", "/usr/bin/chromium"))
PASSWORD = "ett långt lösenord för test"
ADMIN, STAFF = "ada", "sam"
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


@dataclass(frozen=True)
class User:
    username: str
    name: str
    password: str = PASSWORD


ADA = User(ADMIN, "Ada Admin")
SAM = User(STAFF, "Sam Staff")


@dataclass
class LiveServer:
    url: str
    services: Services
    smtp: SmtpServer

    def deliver(self, *raws: bytes) -> list[Route]:
        """Feed mail through the real inbound pipeline (as ``kulturkluster inbound run`` does), then send
        the answers it queued."""
        outcomes = self.services.pipeline.process([Item(raw=raw, source="test") for raw in raws])
        self.services.flush_outbox()
        return [o.route for o in outcomes]


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """SQLite only in the browser tests (see the module docstring)."""
    with scratch_database("sqlite", tmp_path_factory.mktemp("db")) as db:
        yield db


@pytest.fixture
def server_settings() -> dict[str, object]:
    """Extra settings for the live server's services (a test module may override this fixture)."""
    return {}


@pytest.fixture
def live_server(
    services_factory: Callable[..., Services], smtp: SmtpServer, server_settings: dict[str, object]
) -> Iterator[LiveServer]:
    """The whole app under uvicorn on 127.0.0.1, with the staff accounts ``ada`` (admin) and ``sam``;
    mail goes to the ``smtp`` test server."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    smtp_settings = {"host": "127.0.0.1", "port": smtp.port, "security": "none"}
    svc = services_factory(**{"public_url": url, "smtp": smtp_settings, **server_settings})
    with svc.db.unit_of_work() as session:
        accounts.add(session, ADA.username, PASSWORD, role=Role.ADMIN, name=ADA.name, email="ada@kk.test")
        accounts.add(session, SAM.username, PASSWORD, role=Role.STAFF, name=SAM.name, email="sam@kk.test")
    config = uvicorn.Config(
        create_app(svc, LoginLimiter()),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="off",
        ws="none",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    try:
        # Waiting for a condition, not a time: uvicorn sets ``started`` once it listens.
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the live server did not start")
            threading.Event().wait(0.01)
        yield LiveServer(url, svc, smtp)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Debian's chromium at {CHROMIUM}: run `apt-get install chromium` "
            "(scripts/test installs it). Playwright's own browser download is not used."
        )
    args = ["--lang=sv-SE", *(["--no-sandbox"] if os.geteuid() == 0 else [])]
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
    yield browser
    browser.close()


@pytest.fixture
def new_context(browser: Browser, live_server: LiveServer) -> Iterator[Callable[..., BrowserContext]]:
    """``new_context(viewport=PHONE)``: a fresh browser profile (own cookies) on the live server."""
    contexts: list[BrowserContext] = []

    def make(viewport: ViewportSize | None = None) -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport or DESKTOP,
            locale="sv-SE",
            timezone_id="Europe/Stockholm",
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


def login(page: Page, user: User = SAM, password: str | None = None) -> None:
    """Log in through the login form, as a person would; ends on the page the form led to."""
    page.goto("/app/login")
    page.get_by_label("Användarnamn").fill(user.username)
    page.get_by_label("Lösenord").fill(password if password is not None else user.password)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()


def open_section(page: Page, name: str) -> None:
    """Follow the section link in the page header (the Översikt page links to sections too)."""
    page.locator("header").get_by_role("link", name=name, exact=True).click()
    page.wait_for_load_state()
