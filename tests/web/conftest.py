"""The staff app over HTTP: a logged-in client (Starlette's TestClient) and the accounts it uses."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient  # its httpx warning is filtered in pyproject

from kulturkluster import accounts
from kulturkluster.accounts import Role
from kulturkluster.web import create_app
from kulturkluster.web.staff.auth import LoginLimiter
from kulturkluster.wiring import Services

PASSWORD = "ett långt lösenord för test"
ADMIN, STAFF = "ada", "sam"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class StaffClient:
    """A TestClient that logs in and adds the CSRF token to every POST (as the pages' forms do)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        page = self.client.get("/app/login")
        self.csrf = _CSRF.search(page.text).group(1)  # type: ignore[union-attr]
        response: httpx.Response = self.client.post(
            "/app/login",
            data={"username": username, "password": password, "csrf_token": self.csrf, "next": "/app/"},
            follow_redirects=False,
        )
        found = _CSRF.search(self.client.get("/app/").text)
        self.csrf = found.group(1) if found else ""
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        response: httpx.Response = self.client.get(url, **kwargs)
        return response

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("follow_redirects", False)
        response: httpx.Response = self.client.post(
            url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs
        )
        return response

    def htmx_post(self, url: str, data: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"HX-Request": "true", "X-CSRF-Token": self.csrf}
        response: httpx.Response = self.client.post(
            url, data=data or {}, headers=headers, follow_redirects=False
        )
        return response


@pytest.fixture
def staff_services(services_factory: Callable[..., Services]) -> Services:
    svc = services_factory(public_url="https://post.kk.test")
    with svc.db.unit_of_work() as session:
        accounts.add(session, ADMIN, PASSWORD, role=Role.ADMIN, name="Ada Admin", email="ada@kk.test")
        accounts.add(session, STAFF, PASSWORD, role=Role.STAFF, name="Sam Staff", email="sam@kk.test")
    return svc


@pytest.fixture
def app_client(staff_services: Services) -> Iterator[Callable[[], StaffClient]]:
    """``app_client()`` gives a fresh browser (its own cookies) on one app."""
    app = create_app(staff_services, LoginLimiter())
    clients: list[TestClient] = []

    def make() -> StaffClient:
        client = TestClient(app, base_url="https://post.kk.test")
        clients.append(client)
        return StaffClient(client)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def admin(app_client: Callable[[], StaffClient]) -> StaffClient:
    client = app_client()
    assert client.login(ADMIN).status_code == 303
    return client


@pytest.fixture
def staff(app_client: Callable[[], StaffClient]) -> StaffClient:
    client = app_client()
    assert client.login(STAFF).status_code == 303
    return client
