"""Staff section: users (see templates/web/staff/users/)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from .base import Pagebuilder


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return []
