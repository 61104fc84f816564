"""Staff section: inbound (see templates/web/staff/inbound/)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from .base import Pagebuilder


def routes(build: Pagebuilder) -> list[BaseRoute]:
    return []
