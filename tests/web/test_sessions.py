"""Staff sessions against a real web server (the app under uvicorn on a loopback port, configured as
``web`` and ``serve`` run it, behind a trusted proxy so tests can come from several client addresses):
logout ends a copied cookie, a session has an absolute lifetime, concurrent logins neither get past the
limiter nor give a 500, and an outsider cannot lock a colleague out."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from kulturkluster import accounts
from kulturkluster.accounts import Role, StaffSession
from kulturkluster.web.app import create_server
from kulturkluster.wiring import Services
from tests.servers.smtp import free_port

from .conftest import PASSWORD

pytestmark = pytest.mark.integration
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_MAX_AGE = re.compile(r"max-age=(\d+)", re.IGNORECASE)
ADA = "ada"


@dataclass
class Live:
    url: str
    services: Services

    def browser(self, address: str = "192.0.2.1") -> httpx.Client:
        """A browser of its own (cookies) at ``address``, as the trusted proxy reports it."""
        return httpx.Client(base_url=self.url, headers={"X-Forwarded-For": address}, timeout=60)

    def sessions(self) -> list[StaffSession]:
        with self.services.db.unit_of_work() as session:
            return list(session.scalars(select(StaffSession)))


def login(browser: httpx.Client, username: str = ADA, password: str = PASSWORD) -> httpx.Response:
    token = _CSRF.search(browser.get("/app/login").text).group(1)  # type: ignore[union-attr]
    return browser.post(
        "/app/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/app/"},
    )


def csrf_of(browser: httpx.Client) -> str:
    return _CSRF.search(browser.get("/app/").text).group(1)  # type: ignore[union-attr]


def cookie_max_age(response: httpx.Response) -> int:
    [cookie] = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    return int(_MAX_AGE.search(cookie).group(1))  # type: ignore[union-attr]


@pytest.fixture
def live_factory(services_factory: Callable[..., Services]) -> Iterator[Callable[..., Live]]:
    servers: list[tuple[object, threading.Thread]] = []

    def start(**settings: object) -> Live:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        svc = services_factory(public_url=url, trusted_proxies="127.0.0.1", **settings)
        with svc.db.unit_of_work() as session:
            accounts.add(session, ADA, PASSWORD, role=Role.ADMIN, name="Ada Admin")
        server = create_server(svc, "127.0.0.1", port)
        thread = threading.Thread(target=server.run, name="sessions-server", daemon=True)
        thread.start()
        servers.append((server, thread))
        while not server.started:  # uvicorn sets it once it listens
            assert thread.is_alive(), "the server did not start"
            time.sleep(0.01)
        return Live(url, svc)

    yield start
    for server, thread in servers:
        server.should_exit = True  # type: ignore[attr-defined]
        thread.join(timeout=10)


def test_logout_ends_a_copied_cookie(live_factory: Callable[..., Live]) -> None:
    live = live_factory()
    with live.browser() as mine, live.browser("198.51.100.9") as thief:
        assert login(mine).status_code == 303
        thief.cookies.update(mine.cookies)
        assert thief.get("/app/").status_code == 200  # a copy works while the session lasts
        out = mine.post("/app/logout", data={"csrf_token": csrf_of(mine)})
        assert out.status_code == 303 and out.headers["location"] == "/app/login"
        copied = thief.get("/app/")
        assert copied.status_code == 303 and copied.headers["location"].startswith("/app/login")
        assert mine.get("/app/").status_code == 303
    [row] = live.sessions()
    assert row.revoked_at is not None and len(row.id) == 64  # the row holds a hash, not the cookie's token
    # A new password ends every session (row revoked, version bumped)
    with live.browser() as first, live.browser() as second:
        assert login(first).status_code == 303 and login(second).status_code == 303
        with live.services.db.unit_of_work() as session:
            accounts.set_password(session, accounts.get(session, ADA), "ett helt annat långt lösenord")
        assert first.get("/app/").status_code == 303 and second.get("/app/").status_code == 303
    assert all(row.revoked_at is not None for row in live.sessions())


def test_a_session_ends_at_its_absolute_lifetime_however_much_it_is_used(
    live_factory: Callable[..., Live],
) -> None:
    lifetime = 4.0
    live = live_factory(web={"session_max_age_hours": lifetime / 3600})
    with live.browser() as browser:
        logged_in = login(browser)
        started = time.monotonic()
        assert logged_in.status_code == 303 and cookie_max_age(logged_in) <= lifetime
        time.sleep(1.5)
        # A refused action writes a flash message into the session: the cookie is written again, with
        # what is left of the session, not a fresh lifetime
        refused = browser.post(
            "/app/arenden/KK-2026-9999/forhandsgranska", data={"body": "Hej", "csrf_token": csrf_of(browser)}
        )
        assert refused.status_code == 303
        assert cookie_max_age(refused) < cookie_max_age(logged_in)
        while time.monotonic() - started < lifetime + 0.5:  # in use all the time
            assert browser.get("/app/").status_code in {200, 303}
            time.sleep(0.5)
        ended = browser.get("/app/")
        assert ended.status_code == 303 and ended.headers["location"].startswith("/app/login")


def test_the_server_side_lifetime_counts_from_login(live_factory: Callable[..., Live]) -> None:
    live = live_factory()
    with live.browser() as browser:
        assert 12 * 3600 - 5 < cookie_max_age(login(browser)) <= 12 * 3600
        assert browser.get("/app/").status_code == 200
        with live.services.db.unit_of_work() as session:  # the login was 12 hours and a minute ago
            for row in session.scalars(select(StaffSession)):
                row.created_at -= timedelta(hours=12, minutes=1)
        assert browser.get("/app/").status_code == 303


def _guess(live: Live, address: str, password: str, start: threading.Barrier) -> int:
    with live.browser(address) as browser:
        token = _CSRF.search(browser.get("/app/login").text).group(1)  # type: ignore[union-attr]
        start.wait()
        response = browser.post(
            "/app/login", data={"username": ADA, "password": password, "csrf_token": token}
        )
        return response.status_code


def test_sixty_concurrent_guesses_get_five_password_checks(
    live_factory: Callable[..., Live], monkeypatch: pytest.MonkeyPatch
) -> None:
    live = live_factory()
    checks = Counter[str]()
    verify = accounts.verify_password

    def counted(password_hash: str | None, password: str) -> bool:
        checks[password] += 1
        return verify(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counted)
    start = threading.Barrier(60)
    with ThreadPoolExecutor(60) as pool:
        statuses = Counter(
            pool.map(lambda i: _guess(live, "203.0.113.66", f"gissning {i}", start), range(60))
        )
    assert statuses == {400: 5, 429: 55}
    assert sum(checks.values()) == 5


def test_concurrent_logins_never_give_a_500(live_factory: Callable[..., Live]) -> None:
    live = live_factory()
    names = [f"person{i}" for i in range(5)]
    with live.services.db.unit_of_work() as session:
        for name in names:
            accounts.add(session, name, PASSWORD, role=Role.STAFF)

    def log_in_and_look(name: str, start: threading.Barrier) -> tuple[int, int]:
        with live.browser(f"192.0.2.{names.index(name) + 10}") as browser:
            token = _CSRF.search(browser.get("/app/login").text).group(1)  # type: ignore[union-attr]
            start.wait()
            response = browser.post(
                "/app/login", data={"username": name, "password": PASSWORD, "csrf_token": token}
            )
            return response.status_code, browser.get("/app/").status_code

    start = threading.Barrier(len(names) * 2)
    with ThreadPoolExecutor(len(names) * 2) as pool:
        results = list(pool.map(lambda name: log_in_and_look(name, start), names * 2))
    assert results == [(303, 200)] * len(names) * 2
    assert len(live.sessions()) == len(names) * 2


def test_an_outsider_cannot_lock_a_colleague_out(live_factory: Callable[..., Live]) -> None:
    live = live_factory()
    # Guesses from one address: that address is blocked for the account (and after 20, for any account)
    with live.browser("203.0.113.66") as outsider:
        assert [login(outsider, password="gissning").status_code for _ in range(6)] == [400] * 5 + [429]

    # Many addresses guessing at once only slow the account down (by at most a few seconds a login)
    def spray(host: int) -> list[int]:
        with live.browser(f"198.51.100.{host}") as outsider:
            return [login(outsider, password="gissning").status_code for _ in range(2)]

    with ThreadPoolExecutor(10) as pool:
        assert list(pool.map(spray, range(10))) == [[400] * 2] * 10
    with live.browser("192.0.2.7") as ada:
        began = time.monotonic()
        assert login(ada).status_code == 303
        assert time.monotonic() - began < 10
        assert ada.get("/app/").status_code == 200
