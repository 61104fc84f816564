"""The app factory: routes, security headers, Swedish error pages, the stylesheet."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from kulturkluster.wiring import Services

from .headers import SecurityHeadersMiddleware
from .pages import STATIC_DIR, STATIC_PATH, Pages
from .public import PublicPages

# The public pages take at most a one-line form; anything bigger is not for us.
MAX_BODY_BYTES = 64 * 1024


def create_app(services: Services) -> Starlette:
    """The web app on ``services``; the caller owns them (and closes them after the server stops)."""
    pages = Pages(services.settings.org)
    public = PublicPages(services, pages)
    return Starlette(
        routes=[*public.routes(), Mount(STATIC_PATH, app=StaticFiles(directory=STATIC_DIR), name="static")],
        middleware=[Middleware(SecurityHeadersMiddleware)],
        exception_handlers={HTTPException: pages.http_error, Exception: pages.server_error},
        max_body_size=MAX_BODY_BYTES,
    )
