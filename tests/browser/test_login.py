"""Logging in and out in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from kulturkluster.texts import t
from tests.browser.conftest import SAM, LiveServer, login

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_wrong_password_shows_the_swedish_error(live_server: LiveServer, page: Page) -> None:
    login(page, SAM, password="fel lösenord")
    expect(page.get_by_role("alert")).to_have_text(t("web.login_failed"))
    assert page.url.endswith("/app/login")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()


def test_log_in_lands_on_the_overview_and_log_out_ends_the_session(
    live_server: LiveServer, page: Page
) -> None:
    login(page, SAM)
    expect(page).to_have_url(f"{live_server.url}/app/")
    expect(page.get_by_role("heading", name="Översikt", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Ärenden")).to_be_visible()

    page.get_by_role("button", name=re.compile(r"^Logga ut")).click()
    expect(page).to_have_url(re.compile(r"/app/login$"))
    # The session is gone: a staff page sends the browser back to the login form.
    page.goto("/app/")
    expect(page).to_have_url(re.compile(r"/app/login\?next=/app/$"))
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()


def test_login_returns_to_the_page_asked_for(live_server: LiveServer, page: Page) -> None:
    page.goto("/app/prenumeranter")
    expect(page).to_have_url(re.compile(r"/app/login\?next=/app/prenumeranter$"))
    page.get_by_label("Användarnamn").fill(SAM.username)
    page.get_by_label("Lösenord").fill(SAM.password)
    page.get_by_role("button", name="Logga in").click()
    expect(page).to_have_url(f"{live_server.url}/app/prenumeranter")
