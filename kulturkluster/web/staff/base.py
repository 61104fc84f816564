"""What every staff page shares: who is logged in, CSRF, rendering, flash messages, access rules.

Handlers are plain functions ``handler(req: StaffRequest) -> Response``; ``staff_page``/``admin_page``
wrap them into Starlette endpoints that refuse anonymous users (a redirect to the login page, or 401 for
htmx), refuse staff on admin pages (403), check the CSRF token of every POST (form field ``csrf_token`` or
header ``X-CSRF-Token``, which htmx sends from ``hx-headers`` on <body>), and run the handler in a worker
thread (the database calls are synchronous).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from typing import Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cases import notices
from kulturkluster import formats, staff_sessions
from kulturkluster.accounts import Role, StaffUser
from kulturkluster.errors import KulturklusterError
from kulturkluster.staff_sessions import Login
from kulturkluster.texts import t
from kulturkluster.wiring import Services

from ..pages import Pages
from ..session_cookie import EXPIRES_KEY

log = logging.getLogger(__name__)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database; a longer number names nothing
LOCAL_TIME = ZoneInfo("Europe/Stockholm")  # staff read and type times in Swedish time; we store UTC

APP_PREFIX = "/app"
LOGIN_PATH = f"{APP_PREFIX}/login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Staff pages: our own script (htmx) and styles only; frames only of our own pages (previews).
STAFF_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """The logged-in account, detached from any database session."""

    id: int
    username: str
    display_name: str
    email: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @classmethod
    def of(cls, user: StaffUser) -> CurrentUser:
        return cls(user.id, user.username, user.display_name, user.email, user.role)


@dataclass
class StaffRequest:
    request: Request
    user: CurrentUser
    services: Services
    pages: Pages
    form: FormData | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("hx-request") == "true"

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str, default: str = "") -> str:
        return printable(self.request.query_params.get(name, default))

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default) if self.form is not None else default
        return printable(value) if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        values = self.form.getlist(name) if self.form is not None else []
        return [printable(v) for v in values if isinstance(v, str)]

    def flash(self, message: str, kind: str = "ok") -> None:
        # Assign a new list: Starlette only saves a session whose keys were set (not one mutated in place).
        self.request.session["flash"] = [*self.request.session.get("flash", []), [kind, message]]

    def render(self, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Response:
        """``templates/web/staff/<name>.html`` with the user, CSRF token and flash messages."""
        shared = {
            "user": self.user,
            "csrf_token": csrf_token(self.request),
            "flashes": self.request.session.pop("flash", []),
            "path": self.request.url.path,
            "htmx": self.htmx,
        }
        return self.pages.render(
            self.request,
            f"staff/{name}",
            {**shared, **(context or {})},
            status_code=status_code,
            # same-origin: a refused form can go back to the page it came from; nothing leaves the site
            headers={
                "Content-Security-Policy": STAFF_POLICY,
                "Referrer-Policy": "same-origin",
                **self.headers,
            },
        )

    def redirect(self, url: str, message: str | None = None, kind: str = "ok") -> Response:
        if message:
            self.flash(message, kind)
        if self.htmx:  # htmx follows this header with a full page load
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)


Handler = Callable[[StaffRequest], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


def printable(value: str) -> str:
    """A form or query value without control characters other than tab and newlines: a NUL byte cannot be
    stored in PostgreSQL text, and none of them means anything in a search or a note."""
    return _CONTROL.sub("", value)


def local(at: datetime | None) -> str:
    """A stored (UTC) moment as staff read it: Swedish time, to the minute."""
    return formats.local_minute(at)


def local_input(at: datetime) -> str:
    """The value of an ``<input type="datetime-local">`` (Swedish time)."""
    return at.astimezone(LOCAL_TIME).strftime("%Y-%m-%dT%H:%M")


def refused(req: StaffRequest, message: str) -> Response:
    """A refused action: an error fragment for htmx (status 200, so that htmx swaps it in where the answer
    was expected), else a flash message on the page the form was on."""
    if req.htmx:
        return Response(
            f'<p class="flash flash-error" role="alert">{escape(message)}</p>',
            media_type="text/html",
            headers={"HX-Reswap": "innerHTML"},
        )
    referer = urlsplit(req.request.headers.get("referer", ""))
    same_site = referer.netloc in {"", req.request.url.netloc}
    back = referer.path if same_site and referer.path.startswith(APP_PREFIX) else f"{APP_PREFIX}/"
    return req.redirect(back + (f"?{referer.query}" if same_site and referer.query else ""), message, "error")


def error_page(req: StaffRequest, message: str, status: int) -> Response:
    """A staff page that could not be shown (not found, not allowed now, ...), with the status of its kind."""
    return req.render("error", {"message": message}, status_code=status)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def csrf_ok(request: Request, form: FormData | None) -> bool:
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form is not None else None)
    return isinstance(expected, str) and isinstance(sent, str) and secrets.compare_digest(expected, sent)


SESSION_KEY = "sid"  # the server-side session's token (kulturkluster.staff_sessions)


def session_max_age(services: Services) -> timedelta:
    return timedelta(hours=services.settings.web.session_max_age_hours)


def begin_session(request: Request, login: Login) -> None:
    """This browser is now logged in as ``login``: a fresh cookie (no fixation) that ends with it."""
    request.session.clear()
    request.session.update({SESSION_KEY: login.token, EXPIRES_KEY: int(login.expires_at.timestamp())})


def keep_logged_in(req: StaffRequest, session: Session, user: StaffUser) -> None:
    """After ``accounts.end_sessions`` on one's own account: this browser stays logged in, on a new
    session that ends when the old one would have; every other session of the account has ended."""
    token = req.request.session.get(SESSION_KEY)
    login = staff_sessions.renew(session, str(token), user, session_max_age(req.services))
    req.request.session[SESSION_KEY] = login.token


def load_user(services: Services, request: Request) -> CurrentUser | None:
    """The account this browser is logged in as; None when it is not (or its session ended)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    with services.db.unit_of_work() as session:
        user = staff_sessions.resume(session, token, session_max_age(services))
        return CurrentUser.of(user) if user is not None else None


def _handle(handler: Handler, req: StaffRequest) -> Response:
    # mail an action queued leaves right after its commit; nobody is told of their own action
    with req.services.sending(), notices.acting(req.user.username):
        return handler(req)


def _page(handler: Handler, role: Role, services: Services, pages: Pages) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        user = await run_in_threadpool(load_user, services, request)
        if user is None:
            request.session.pop(SESSION_KEY, None)
            request.session.pop(EXPIRES_KEY, None)
            target = f"{LOGIN_PATH}?next={quote(request.url.path)}"
            if request.headers.get("hx-request") == "true" or request.method not in SAFE_METHODS:
                return Response(t("web.login_needed"), status_code=401, headers={"HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
        if role is Role.ADMIN and not user.is_admin:
            return pages.render(
                request,
                "staff/forbidden",
                {"user": user, "csrf_token": csrf_token(request)},
                status_code=403,
                headers={"Content-Security-Policy": STAFF_POLICY},
            )
        form = None
        if request.method not in SAFE_METHODS:
            form = await request.form(max_files=5, max_fields=2000, max_part_size=20 * 1024 * 1024)
            if not await csrf_ok(request, form):
                await form.close()
                return Response(t("web.csrf_failed"), status_code=403)
        if any(isinstance(v, int) and not 0 <= v <= MAX_ID for v in request.path_params.values()):
            if form is not None:
                await form.close()
            raise HTTPException(status_code=404)
        req = StaffRequest(request, user, services, pages, form)
        try:
            return await run_in_threadpool(_handle, handler, req)
        except KulturklusterError as exc:  # a domain error's message says what to do; show it, log it
            log.info(
                "staff action refused",
                extra={"path": request.url.path, "error": type(exc).__name__, "kind": exc.kind.value},
            )
            if request.method in SAFE_METHODS and not req.htmx:  # a page that cannot be shown: say why
                return error_page(req, str(exc), exc.http_status)
            return refused(req, str(exc))
        finally:
            if form is not None:  # uploads are spooled to temp files: close them now, not at GC
                await form.close()

    endpoint.__name__ = handler.__name__
    endpoint.kk_role = role.value  # type: ignore[attr-defined]  # read by the access-control tests
    return endpoint


@dataclass(frozen=True)
class Pagebuilder:
    """Turns handlers into endpoints for one app (``staff_page(handler)`` / ``admin_page(handler)``)."""

    services: Services
    pages: Pages

    def staff(self, handler: Handler) -> Endpoint:
        return _page(handler, Role.STAFF, self.services, self.pages)

    def admin(self, handler: Handler) -> Endpoint:
        return _page(handler, Role.ADMIN, self.services, self.pages)
