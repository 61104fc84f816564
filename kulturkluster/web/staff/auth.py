"""Logging in and out, with a limit on failed attempts per client address."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from kulturkluster import accounts, staff_sessions
from kulturkluster.staff_sessions import Login
from kulturkluster.texts import t
from kulturkluster.wiring import Services

from ..pages import Pages
from .base import (
    APP_PREFIX,
    LOGIN_PATH,
    SESSION_KEY,
    STAFF_POLICY,
    begin_session,
    csrf_ok,
    csrf_token,
    printable,
    session_max_age,
)

# argon2 takes 64 MiB and most of a core per check: a crowd of logins waits here instead of swapping.
_PASSWORD_CHECKS = threading.BoundedSemaphore(2)
_MAX_KEYS = 10_000  # tracked (account, address) pairs before quiet ones are forgotten


@dataclass(frozen=True, slots=True)
class Attempt:
    """One login attempt, counted as a failure until it succeeds; ``delay`` seconds to wait first."""

    keys: tuple[tuple[str, ...], ...]
    at: float
    delay: float


class LoginLimiter:
    """Failed logins counted per client address: at most ``per_account`` for one account and
    ``per_address`` for all accounts from one address within ``window`` seconds; beyond that the address
    is refused. Failures for an account from everywhere together only slow its logins down (at most
    ``max_delay`` seconds), so nobody can lock a colleague out from another address.

    ``begin`` counts an attempt before its password is checked, under one lock, so concurrent guesses
    cannot all pass the check before any of them is counted. A success takes its own attempt back;
    earlier failures stay (a guessed password is still a guess)."""

    def __init__(
        self,
        per_account: int = 5,
        per_address: int = 20,
        window: float = 900.0,
        delay_step: float = 0.5,
        max_delay: float = 3.0,
    ) -> None:
        self.per_account, self.per_address, self.window = per_account, per_address, window
        self.delay_step, self.max_delay = delay_step, max_delay
        self._failures: dict[tuple[str, ...], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float]:
        times = self._failures[key]
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def _forget_quiet(self, now: float) -> None:
        if len(self._failures) > _MAX_KEYS:
            for key in [key for key in self._failures if not self._recent(key, now)]:
                del self._failures[key]

    def begin(self, username: str, address: str) -> Attempt | None:
        """The attempt, counted; None when this address may not try (now) for this account."""
        now = time.monotonic()
        pair, from_address, account = ("pair", username, address), ("address", address), ("account", username)
        with self._lock:
            self._forget_quiet(now)
            if (
                len(self._recent(pair, now)) >= self.per_account
                or len(self._recent(from_address, now)) >= self.per_address
            ):
                return None
            for key in (pair, from_address, account):
                self._failures[key].append(now)
            beyond = len(self._recent(account, now)) - self.per_account
        delay = min(self.max_delay, self.delay_step * beyond) if beyond > 0 else 0.0
        return Attempt((pair, from_address, account), now, delay)

    def succeeded(self, attempt: Attempt) -> None:
        with self._lock:
            for key in attempt.keys:
                times = self._failures.get(key)
                if times is not None and attempt.at in times:
                    times.remove(attempt.at)


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
        attempt = self.limiter.begin(username, address)
        if attempt is None:
            return self._form(request, t("web.login_throttled"), status_code=429)
        if attempt.delay:  # an account under attack from elsewhere: slower, never locked
            await asyncio.sleep(attempt.delay)
        login = await run_in_threadpool(self._authenticate, username, password)
        if login is None:
            return self._form(request, t("web.login_failed"), status_code=400)
        self.limiter.succeeded(attempt)
        begin_session(request, login)
        csrf_token(request)
        return RedirectResponse(_safe_next(str(form.get("next", ""))), status_code=303)

    def _authenticate(self, username: str, password: str) -> Login | None:
        # Three steps, so no transaction is open during the slow password check: on SQLite every
        # transaction holds the write lock, and 60 logins queued behind argon2 ran into "database is locked".
        with self.services.db.unit_of_work() as session:
            user = accounts.find(session, username)
            found = (user.id, user.password_hash) if user is not None and user.active else None
        with _PASSWORD_CHECKS:
            ok = accounts.verify_password(found[1] if found else None, password)
        if not ok or found is None:
            return None
        with self.services.db.unit_of_work() as session:
            return staff_sessions.start(session, *found, password, session_max_age(self.services))

    def _end(self, token: str) -> None:
        with self.services.db.unit_of_work() as session:
            staff_sessions.end(session, token)

    async def logout(self, request: Request) -> Response:
        form = await request.form(max_fields=10)
        if await csrf_ok(request, form):
            token = request.session.get(SESSION_KEY)
            if isinstance(token, str):  # ended on the server: a copy of the cookie stops working too
                await run_in_threadpool(self._end, token)
            request.session.clear()
        return RedirectResponse(LOGIN_PATH, status_code=303)

    def routes(self) -> list[BaseRoute]:
        return [
            Route(LOGIN_PATH, self.login, methods=["GET", "POST"], name="login"),
            Route(f"{APP_PREFIX}/logout", self.logout, methods=["POST"], name="logout"),
        ]
