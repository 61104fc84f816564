"""Rendering the Swedish HTML pages, and the pages for errors (never a stack trace)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from kulturkluster import formats
from kulturkluster.settings import ACCESSIBILITY_PATH, OrgSettings
from mailer.links import PublicLinks
from mailer.render import TEMPLATES_DIR

from .headers import add_security_headers

WEB_TEMPLATES_DIR = TEMPLATES_DIR / "web"
STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PATH = "/static"
STYLESHEET = "public.css"
HELP_PATH = PublicLinks("").unsubscribe_help()  # "/avsluta": the same path the mails link to


class Pages:
    """Renders ``templates/web/<name>.html`` with the organisation's details in every page."""

    def __init__(self, org: OrgSettings) -> None:
        env = Environment(
            loader=FileSystemLoader(WEB_TEMPLATES_DIR),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(  # Swedish numbers, counts, months and times (kulturkluster/formats.py)
            number=formats.number,
            amount=formats.amount,
            plural=formats.plural,
            month=formats.month_label,
            local_date=formats.local_day,
            local_time=formats.local_minute,
        )
        shared = {
            "org": org,
            "stylesheet_url": f"{STATIC_PATH}/{STYLESHEET}",
            "help_url": HELP_PATH,
            # KK_ORG__ACCESSIBILITY_URL when the organisation has its own statement, else ours.
            "accessibility_url": org.accessibility_url or ACCESSIBILITY_PATH,
        }
        self.templates = Jinja2Templates(env=env, context_processors=[lambda _request: shared])

    def render(
        self,
        request: Request,
        name: str,
        context: dict[str, Any] | None = None,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        # Pages name a person's address and their URLs carry tokens: no cache keeps a copy.
        return self.templates.TemplateResponse(
            request,
            f"{name}.html",
            context,
            status_code=status_code,
            headers={"Cache-Control": "no-store", **(headers or {})},
        )

    async def http_error(self, request: Request, exc: Exception) -> Response:
        """404 for unknown paths, and the few other errors Starlette raises (405, 413, bad form data)."""
        status = exc.status_code if isinstance(exc, HTTPException) else 400
        extra = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
        if status == 404:
            return self.render(request, "public/not_found", status_code=404, headers=extra)
        return self.render(request, "public/error", {"status": status}, status_code=status, headers=extra)

    async def server_error(self, request: Request, exc: Exception) -> Response:
        """Anything unexpected: a plain Swedish page. Starlette re-raises the error for the server's log.

        This runs outside the middleware stack, so it sets the security headers itself.
        """
        response = self.render(request, "public/error", {"status": 500}, status_code=500)
        add_security_headers(response.headers)
        return response
