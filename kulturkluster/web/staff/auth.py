"""Logging in and out, with a limit on failed attempts per account and per address."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kulturkluster import accounts
from kulturkluster.texts import t
from kulturkluster.wiring import Services

from ..pages import Pages
from .base import APP_PREFIX, LOGIN_PATH, STAFF_POLICY, csrf_ok, csrf_token, printable


class LoginLimiter:
    """At most ``per_account`` failed logins per account and ``per_address`` per client address within
    ``window`` seconds; a success does not reset the count (a guessed password is still a guess)."""

    def __init__(self, per_account: int = 5, per_address: int = 20, window: float = 900.0) -> None:
        self.limits = {"account": per_account, "address": per_address}
        self.window = window
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocked(self, username: str, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return (
                len(self._recent(("account", username), now)) >= self.limits["account"]
                or len(self._recent(("address", address), now)) >= self.limits["address"]
            )

    def failed(self, username: str, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent(("account", username), now).append(now)
            self._recent(("address", address), now).append(now)


def _safe_next(target: str) -> str:
    """Only a path of our own app: never another site (open redirect)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(APP_PREFIX) or target.startswith("//"):
        return f"{APP_PREFIX}/"
    return target


class LoginPages:
    def __init__(self, services: Services, pages: Pages, limiter: LoginLimiter | None = None) -> None:
        self.services = services
        self.pages = pages
        self.limiter = limiter or LoginLimiter()

    def _form(self, request: Request, error: str | None = None, status_code: int = 200) -> Response:
        return self.pages.render(
            request,
            "staff/login",
            {
                "csrf_token": csrf_token(request),
                "error": error,
                "next": _safe_next(request.query_params.get("next", "")),
                "username": "",
            },
            status_code=status_code,
            headers={"Content-Security-Policy": STAFF_POLICY},
        )

    async def login(self, request: Request) -> Response:
        if request.method != "POST":
            return self._form(request)
        form = await request.form(max_fields=10)
        if not await csrf_ok(request, form):
            return self._form(request, t("web.csrf_failed"), status_code=403)
        username = printable(str(form.get("username", ""))).strip().lower()[:64]
        password = str(form.get("password", ""))[:1024]
        address = request.client.host if request.client else "?"
        if self.limiter.blocked(username, address):
            return self._form(request, t("web.login_throttled"), status_code=429)
        user = await run_in_threadpool(self._authenticate, username, password)
        if user is None:
            self.limiter.failed(username, address)
            return self._form(request, t("web.login_failed"), status_code=400)
        request.session.clear()  # a new session at login (no fixation)
        request.session.update({"uid": user[0], "v": user[1]})
        csrf_token(request)
        return RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)

    def _authenticate(self, username: str, password: str) -> tuple[int, int] | None:
        with self.services.db.unit_of_work() as session:
            user = accounts.authenticate(session, username, password)
            return (user.id, user.session_version) if user else None

    async def logout(self, request: Request) -> Response:
        form = await request.form(max_fields=10)
        if await csrf_ok(request, form):
            request.session.clear()
        return RedirectResponse(LOGIN_PATH, status_code=303)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(LOGIN_PATH, self.login, methods=["GET", "POST"], name="login"),
            Route(f"{APP_PREFIX}/logout", self.logout, methods=["POST"], name="logout"),
        ]
