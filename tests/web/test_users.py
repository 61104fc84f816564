"""Användare: admins manage staff accounts with the rules of ``kulturkluster users``; nobody locks the
organisation out by disabling or demoting the last admin."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from kulturkluster import accounts
from kulturkluster.accounts import AccountError, Role
from kulturkluster.wiring import Services

from .conftest import ADMIN, PASSWORD, STAFF, StaffClient

pytestmark = pytest.mark.integration
USERS = "/app/anvandare"
NEW_PASSWORD = "ett annat långt lösenord"


def follow(client: StaffClient, response: httpx.Response) -> httpx.Response:
    assert response.status_code == 303, (response.status_code, response.text[:500])
    assert response.headers["location"] == USERS
    return client.get(USERS)


def user_id(svc: Services, username: str) -> int:
    with svc.db.unit_of_work() as session:
        return accounts.get(session, username).id


def account(svc: Services, username: str) -> accounts.StaffUser:
    with svc.db.unit_of_work() as session:
        return accounts.get(session, username)


def test_list_is_for_admins(staff_services: Services, admin: StaffClient, staff: StaffClient) -> None:
    assert staff.get(USERS).status_code == 403
    assert staff.post(f"{USERS}/ny", {"username": "x"}).status_code == 403
    page = admin.get(USERS)
    assert page.status_code == 200
    for text in ("ada", "Ada Admin", "ada@kk.test", "sam", "Sam Staff", "Administratör", "Personal"):
        assert text in page.text
    assert "aldrig" not in page.text  # both have logged in (the fixtures), so both have a last login
    assert 'href="/app/anvandare"' in admin.get("/app/").text
    assert 'href="/app/anvandare"' not in staff.get("/app/").text


def test_add_account_with_the_cli_rules(
    staff_services: Services, admin: StaffClient, app_client: Callable[[], StaffClient]
) -> None:
    form = {
        "username": " Elin ",
        "name": "Elin Ek",
        "email": "elin@kk.test",
        "role": "staff",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    for change, reason in [
        ({"password": "kort", "password_again": "kort"}, "minst 12 tecken"),
        ({"password_again": "något annat"}, "Lösenorden var inte lika"),
        ({"role": "boss"}, "finns inte; välj admin eller staff"),
        ({"username": "Elin Ek!"}, "går inte"),
        ({"username": "ada"}, "finns redan ett konto"),
        ({"email": "inte en adress"}, "ingen giltig e-postadress"),
    ]:
        assert reason in follow(admin, admin.post(f"{USERS}/ny", {**form, **change})).text
    with staff_services.db.unit_of_work() as session:
        assert accounts.find(session, "elin") is None
    page = follow(admin, admin.post(f"{USERS}/ny", form))
    assert "Kontot elin (staff) är skapat" in page.text and "aldrig" in page.text
    elin = app_client()
    assert elin.login("elin", NEW_PASSWORD).status_code == 303
    assert elin.get("/app/").status_code == 200 and elin.get(USERS).status_code == 403


def test_new_password_ends_the_sessions_but_not_your_own(
    staff_services: Services, admin: StaffClient, staff: StaffClient, app_client: Callable[[], StaffClient]
) -> None:
    sam = user_id(staff_services, STAFF)
    short = admin.post(f"{USERS}/{sam}/losenord", {"password": "kort", "password_again": "kort"})
    assert "för kort" in follow(admin, short).text
    assert staff.get("/app/", follow_redirects=False).status_code == 200
    done = admin.post(f"{USERS}/{sam}/losenord", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert "sam har fått nytt lösenord" in follow(admin, done).text
    assert staff.get("/app/", follow_redirects=False).status_code == 303  # logged out
    assert app_client().login(STAFF, PASSWORD).status_code == 400
    assert app_client().login(STAFF, NEW_PASSWORD).status_code == 303
    # An admin's own new password keeps this browser logged in and ends the others
    other_browser = app_client()
    other_browser.login(ADMIN)
    ada = user_id(staff_services, ADMIN)
    own = admin.post(f"{USERS}/{ada}/losenord", {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert "Ditt lösenord är bytt" in follow(admin, own).text
    assert admin.get(USERS, follow_redirects=False).status_code == 200
    assert other_browser.get("/app/", follow_redirects=False).status_code == 303


def test_disabled_account_is_logged_out_at_once(
    staff_services: Services, admin: StaffClient, staff: StaffClient, app_client: Callable[[], StaffClient]
) -> None:
    sam = user_id(staff_services, STAFF)
    assert staff.get("/app/prenumeranter", follow_redirects=False).status_code == 200
    page = follow(admin, admin.post(f"{USERS}/{sam}/inaktivera"))
    assert "sam kan inte längre logga in" in page.text and "Nej, inaktiverad" in page.text
    assert staff.get("/app/prenumeranter", follow_redirects=False).status_code == 303
    assert staff.post("/app/prenumeranter/ny", {"email": "a@example.se", "evidence": "x"}).status_code == 401
    assert app_client().login(STAFF).status_code == 400
    assert not account(staff_services, STAFF).active
    assert "sam kan logga in igen" in follow(admin, admin.post(f"{USERS}/{sam}/aktivera")).text
    assert app_client().login(STAFF).status_code == 303
    missing = admin.post(f"{USERS}/999999/inaktivera")
    assert "Det finns inget konto med id 999999" in follow(admin, missing).text


def test_roles_and_the_last_admin(
    staff_services: Services, admin: StaffClient, app_client: Callable[[], StaffClient]
) -> None:
    ada, sam = user_id(staff_services, ADMIN), user_id(staff_services, STAFF)
    # Nobody disables or demotes themself
    assert "eget konto" in follow(admin, admin.post(f"{USERS}/{ada}/inaktivera")).text
    assert (
        "egen administratörsroll" in follow(admin, admin.post(f"{USERS}/{ada}/roll", {"role": "staff"})).text
    )
    assert account(staff_services, ADMIN).active and account(staff_services, ADMIN).role == Role.ADMIN
    assert (
        "Rollen &#39;kung&#39; finns inte"
        in follow(admin, admin.post(f"{USERS}/{sam}/roll", {"role": "kung"})).text
    )
    # Promote sam; sam's session ends and the next one may manage users
    assert (
        "sam har nu rollen admin" in follow(admin, admin.post(f"{USERS}/{sam}/roll", {"role": "admin"})).text
    )
    sam_browser = app_client()
    sam_browser.login(STAFF)
    assert sam_browser.get(USERS).status_code == 200
    # Now sam may demote ada, but then sam is the last admin and cannot be demoted or disabled by anyone
    assert (
        "ada har nu rollen staff"
        in follow(sam_browser, sam_browser.post(f"{USERS}/{ada}/roll", {"role": "staff"})).text
    )
    assert admin.get(USERS, follow_redirects=False).status_code == 303  # ada's admin session ended
    with staff_services.db.unit_of_work() as session:
        last = accounts.get(session, STAFF)
        with pytest.raises(AccountError, match="sista aktiva administratören"):
            accounts.set_active(session, last, False)  # as `kulturkluster users disable sam` does
        with pytest.raises(AccountError, match="sista aktiva administratören"):
            accounts.set_role(session, last, Role.STAFF)
    # A disabled admin does not count
    with staff_services.db.unit_of_work() as session:
        accounts.add(session, "bea", NEW_PASSWORD, role=Role.ADMIN)
        accounts.set_active(session, accounts.get(session, "bea"), False)
    with staff_services.db.unit_of_work() as session:
        with pytest.raises(AccountError, match="sista aktiva administratören"):
            accounts.set_active(session, accounts.get(session, STAFF), False)
        accounts.set_active(session, accounts.get(session, "bea"), True)
    with staff_services.db.unit_of_work() as session:
        accounts.set_active(session, accounts.get(session, STAFF), False)  # bea is an admin now
    assert not account(staff_services, STAFF).active
