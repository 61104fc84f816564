"""The app factory: routes, security headers, Swedish error pages, the stylesheet."""

from __future__ import annotations

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from kulturkluster.wiring import Services

from .accessibility import AccessibilityPage
from .archive import ArchivePages
from .headers import SecurityHeadersMiddleware
from .metrics import MetricsEndpoint
from .pages import STATIC_DIR, STATIC_PATH, Pages
from .public import PublicPages
from .session_cookie import SessionCookieMiddleware
from .staff import staff_routes
from .staff.auth import LoginLimiter

# The largest form is a CSV import in the staff app.
MAX_BODY_BYTES = 25 * 1024 * 1024


def create_app(services: Services, limiter: LoginLimiter | None = None) -> Starlette:
    """The web app on ``services``; the caller owns them (and closes them after the server stops)."""
    pages = Pages(services.settings.org)
    public = PublicPages(services, pages)
    settings = services.settings
    return Starlette(
        routes=[
            *public.routes(),
            *ArchivePages(services, pages).routes(),
            *AccessibilityPage(services, pages).routes(),
            *MetricsEndpoint(services).routes(),
            *staff_routes(services, pages, limiter),
            Mount(STATIC_PATH, app=StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[
            Middleware(SecurityHeadersMiddleware),
            # Signed (itsdangerous), HttpOnly, SameSite=Lax; Secure when the app is served over https.
            Middleware(
                SessionCookieMiddleware,
                secret_key=settings.secret_key.get_secret_value(),
                cookie="kk_session",
                max_age=max(1, int(settings.web.session_max_age_hours * 3600)),
                https_only=settings.public_url.lower().startswith("https://"),
            ),
        ],
        exception_handlers={HTTPException: pages.http_error, Exception: pages.server_error},
        max_body_size=MAX_BODY_BYTES,
    )


def create_server(services: Services, host: str, port: int) -> uvicorn.Server:
    """uvicorn serving the app, as ``web`` and ``serve`` run it."""
    config = uvicorn.Config(
        create_app(services),
        host=host,
        port=port,
        # Keep the service's own logging; uvicorn's records go through it.
        log_config=None,
        # Access logs would keep every visitor's IP address and the tokens in our URLs.
        access_log=False,
        server_header=False,
        # Behind the HTTPS proxy: the client's own address (login limits) and scheme
        proxy_headers=True,
        forwarded_allow_ips=services.settings.trusted_proxies,
    )
    return uvicorn.Server(config)
