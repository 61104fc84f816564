"""Användare (admins only): the staff accounts, with the same rules as ``kulturkluster users``.

Every change that takes something away (password, disable, role) ends the account's open sessions; an
admin cannot disable or demote themself, and nobody can disable or demote the last active admin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kulturkluster import accounts
from kulturkluster.accounts import StaffUser
from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t

from .base import APP_PREFIX, Pagebuilder, StaffRequest, keep_logged_in, local

log = logging.getLogger(__name__)

PREFIX = f"{APP_PREFIX}/anvandare"


def _done(req: StaffRequest, action: Callable[[], str]) -> Response:
    """Run a change and go back to the list with what happened, or with why it was refused."""
    try:
        message = action()
    except KulturklusterError as exc:
        return req.redirect(PREFIX, str(exc), "error")
    log.info("staff account changed", extra={"user": req.user.username, "path": req.request.url.path})
    return req.redirect(PREFIX, message)


def _target(session: Session, req: StaffRequest) -> StaffUser:
    return accounts.by_id(session, int(req.param("id")))


def _me(session: Session, req: StaffRequest) -> StaffUser:
    return accounts.by_id(session, req.user.id)


def index(req: StaffRequest) -> Response:
    with req.services.db.unit_of_work() as session:
        users = [
            {
                "id": u.id,
                "username": u.username,
                "name": u.name,
                "email": u.email,
                "role": u.role,
                "active": u.active,
                "last_login_at": local(u.last_login_at),
                "created_at": local(u.created_at),
                "me": u.id == req.user.id,
            }
            for u in accounts.all_users(session)
        ]
    return req.render(
        "users/index",
        {
            "users": users,
            "roles": [r.value for r in accounts.Role],
            "min_length": accounts.MIN_PASSWORD_LENGTH,
        },
    )


def add(req: StaffRequest) -> Response:
    def action() -> str:
        role = accounts.parse_role(req.field("role"))
        password = req.field("password")
        accounts.check_repeated(password, req.field("password_again"))
        with req.services.db.unit_of_work() as session:
            user = accounts.add(
                session,
                req.field("username"),
                password,
                role=role,
                name=req.field("name"),
                email=req.field("email"),
            )
            return t("accounts.added", username=user.username, role=role.value)

    return _done(req, action)


def set_password(req: StaffRequest) -> Response:
    def action() -> str:
        password = req.field("password")
        accounts.check_repeated(password, req.field("password_again"))
        with req.services.db.unit_of_work() as session:
            user = _target(session, req)
            accounts.set_password(session, user, password)
            if user.id == req.user.id:  # keep this browser logged in; every other session ends
                keep_logged_in(req, session, user)
                return t("web.users.own_password_set")
            return t("accounts.password_set", username=user.username)

    return _done(req, action)


def _set_active(req: StaffRequest, active: bool) -> Response:
    def action() -> str:
        with req.services.db.unit_of_work() as session:
            user = _target(session, req)
            accounts.set_active(session, user, active, acting=_me(session, req))
            return t("accounts.enabled" if active else "accounts.disabled", username=user.username)

    return _done(req, action)


def disable(req: StaffRequest) -> Response:
    return _set_active(req, False)


def enable(req: StaffRequest) -> Response:
    return _set_active(req, True)


def set_role(req: StaffRequest) -> Response:
    def action() -> str:
        role = accounts.parse_role(req.field("role"))
        with req.services.db.unit_of_work() as session:
            user = _target(session, req)
            accounts.set_role(session, user, role, acting=_me(session, req))
            return t("web.users.role_set", username=user.username, role=role.value)

    return _done(req, action)


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [
        Route(PREFIX, build.admin(index), name="users"),
        Route(f"{PREFIX}/ny", build.admin(add), methods=["POST"]),
        Route(f"{PREFIX}/{{id:int}}/losenord", build.admin(set_password), methods=["POST"]),
        Route(f"{PREFIX}/{{id:int}}/inaktivera", build.admin(disable), methods=["POST"]),
        Route(f"{PREFIX}/{{id:int}}/aktivera", build.admin(enable), methods=["POST"]),
        Route(f"{PREFIX}/{{id:int}}/roll", build.admin(set_role), methods=["POST"]),
    ]
