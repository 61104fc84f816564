"""Mitt konto: each person's own settings: how they hear of new cases and messages, and their signature."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from cases import notify_settings
from kulturkluster import accounts
from kulturkluster.errors import KulturklusterError
from kulturkluster.texts import t

from .base import APP_PREFIX, Pagebuilder, StaffRequest

PATH = f"{APP_PREFIX}/konto"


def show(req: StaffRequest) -> Response:
    with req.services.db.unit_of_work() as session:
        user = accounts.by_id(session, req.user.id)
        context = {
            "account": {
                "username": user.username,
                "name": user.display_name,
                "email": user.email,
                "notify_mode": user.notify_mode,
                "notify_at": user.notify_at,
                "signature": user.signature,
            },
            "modes": [(mode.value, t(f"notify.mode.{mode.value}")) for mode in notify_settings.NotifyMode],
            "max_signature": notify_settings.MAX_SIGNATURE,
        }
    return req.render("account/index", context)


def save(req: StaffRequest) -> Response:
    try:
        choice = notify_settings.parse(
            req.field("notify_mode")[:20],
            req.field("notify_at")[:20],
            req.field("signature").replace("\r\n", "\n")[: notify_settings.MAX_SIGNATURE + 1],
        )
        with req.services.db.unit_of_work() as session:
            user = accounts.by_id(session, req.user.id)
            notify_settings.apply(user, choice)
            has_email = bool(user.email)
    except KulturklusterError as exc:
        return req.redirect(PATH, str(exc), "error")
    if not has_email and choice.mode != notify_settings.NotifyMode.NONE:
        req.flash(t("notify.no_email"), "error")
    return req.redirect(PATH, t("notify.saved"))


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [
        Route(PATH, build.staff(show), methods=["GET"], name="account"),
        Route(PATH, build.staff(save), methods=["POST"]),
    ]
