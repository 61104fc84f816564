"""The staff web app under /app: every page needs a login (see ``base``)."""

from __future__ import annotations

from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Route

from kulturkluster.wiring import Services

from ..pages import Pages
from . import (
    account,
    cases,
    follow_up,
    inbound,
    newsletter_archive,
    newsletter_images,
    newsletters,
    overview,
    reports,
    subscribers,
    templates_admin,
    users,
)
from .auth import LoginLimiter, LoginPages
from .base import APP_PREFIX, Pagebuilder

SECTIONS = (
    overview,
    cases,
    follow_up,
    templates_admin,
    newsletters,
    newsletter_images,
    newsletter_archive,
    subscribers,
    inbound,
    reports,
    users,
    account,
)


def staff_routes(services: Services, pages: Pages, limiter: LoginLimiter | None = None) -> list[BaseRoute]:
    build = Pagebuilder(services, pages)
    routes: list[BaseRoute] = [
        *LoginPages(services, pages, limiter).routes(),
        Route("/", lambda _request: RedirectResponse(f"{APP_PREFIX}/", status_code=303)),
    ]
    for section in SECTIONS:
        routes += section.routes(build)
    return routes
