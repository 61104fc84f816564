"""Översikt: what needs doing now (cases, the newsletter in progress, the list, the mailbox's health)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from .base import APP_PREFIX, Pagebuilder, StaffRequest


def overview(req: StaffRequest) -> Response:
    return req.render("overview/index", {})


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return [Route(f"{APP_PREFIX}/", build.staff(overview), name="overview")]
