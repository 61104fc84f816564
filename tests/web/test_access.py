"""Every staff endpoint refuses anonymous users, checks CSRF on POST, and keeps admin pages for admins."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from kulturkluster.web import create_app
from kulturkluster.web.staff.auth import LoginLimiter
from kulturkluster.wiring import Services

from .conftest import ADMIN, PASSWORD, STAFF, StaffClient

pytestmark = pytest.mark.integration
PUBLIC = {"/app/login", "/app/logout", "/"}


def staff_endpoints(svc: Services) -> list[tuple[str, str, str]]:
    """(method, path with dummy parameters, role) for every staff route."""
    found = []
    for route in create_app(svc).routes:
        if not isinstance(route, Route) or not route.path.startswith("/app") or route.path in PUBLIC:
            continue
        role = getattr(route.endpoint, "kk_role", None)
        assert role in {"staff", "admin"}, f"{route.path} is not wrapped by staff/admin page"
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: "1" if m.group(2) == ":int" else "x1", route.path)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, path, role))
    return found


def test_every_staff_endpoint_is_protected(
    staff_services: Services, app_client: Callable[[], StaffClient], staff: StaffClient, admin: StaffClient
) -> None:
    endpoints = staff_endpoints(staff_services)
    assert ("GET", "/app/", "staff") in endpoints
    anonymous = app_client()
    for method, path, role in endpoints:
        response = anonymous.client.request(method, path, follow_redirects=False)
        assert response.status_code in {303, 401}, (method, path, response.status_code)
        if response.status_code == 303:
            assert response.headers["location"].startswith("/app/login")
        if method == "POST":
            no_token = staff.client.post(path, data={"x": "1"}, follow_redirects=False)
            expected = 403
            assert no_token.status_code == expected, (path, no_token.status_code)
        if role == "admin":
            assert staff.client.request(method, path, follow_redirects=False).status_code == 403, path


def test_login_logout_sessions_and_throttling(
    staff_services: Services, app_client: Callable[[], StaffClient]
) -> None:
    from kulturkluster import accounts

    browser = app_client()
    assert browser.login(STAFF, "fel lösenord").status_code == 400
    response = browser.login(STAFF)
    assert response.status_code == 303 and response.headers["location"] == "/app/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    page = browser.get("/app/")
    assert page.status_code == 200 and "Sam Staff" in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    # A new password ends every open session
    with staff_services.db.unit_of_work() as session:
        accounts.set_password(session, accounts.get(session, STAFF), "ett helt annat långt lösenord")
    assert browser.get("/app/", follow_redirects=False).status_code == 303
    # Logging out needs the token; then the session is gone
    other = app_client()
    other.login(ADMIN)
    assert other.client.post("/app/logout", follow_redirects=False).status_code == 303
    assert other.get("/app/", follow_redirects=False).status_code == 200  # no token: still logged in
    other.post("/app/logout")
    assert other.get("/app/", follow_redirects=False).status_code == 303
    # Five wrong passwords lock the account for a while, even with the right one after
    guesser = app_client()
    for _ in range(5):
        assert guesser.login(ADMIN, "gissning").status_code == 400
    assert guesser.login(ADMIN, PASSWORD).status_code == 429
    # next= never leads off the site
    browser = app_client()
    browser.client.get("/app/login")
    assert browser.login(ADMIN).status_code == 429  # same limiter, same account


def test_open_redirects_and_disabled_accounts(staff_services: Services) -> None:
    from kulturkluster import accounts
    from kulturkluster.web.staff.auth import _safe_next

    assert _safe_next("https://evil.example/app/") == "/app/"
    assert _safe_next("//evil.example/app/") == "/app/"
    assert _safe_next("/app/arenden?status=ny") == "/app/arenden?status=ny"
    with staff_services.db.unit_of_work() as session:
        accounts.set_active(session, accounts.get(session, STAFF), False)
    client = StaffClient(
        TestClient(create_app(staff_services, LoginLimiter()), base_url="https://post.kk.test")
    )
    assert client.login(STAFF).status_code == 400


def test_a_refused_action_goes_back_to_its_page_with_the_reason(staff: StaffClient) -> None:
    url, data = "/app/arenden/KK-2026-9999/forhandsgranska", {"body": "Hej"}
    page = "https://post.kk.test/app/arenden?status=alla"
    back = staff.post(url, data, headers={"referer": page})
    assert back.status_code == 303 and back.headers["location"] == "/app/arenden?status=alla"
    assert "KK-2026-9999" in staff.get(back.headers["location"]).text  # the flash says which case
    elsewhere = staff.post(url, data, headers={"referer": "https://evil.example/app/arenden"})
    assert elsewhere.headers["location"] == "/app/"
    fragment = staff.htmx_post(url, data)
    assert fragment.status_code == 200 and 'role="alert"' in fragment.text and "KK-2026-9999" in fragment.text
    # Staff pages tell the browser to send that referer, and only to us
    assert staff.get("/app/arenden").headers["referrer-policy"] == "same-origin"
