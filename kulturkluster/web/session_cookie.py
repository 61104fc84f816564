"""The session cookie: Starlette's signed-cookie session, except that its lifetime never slides.

Starlette's ``SessionMiddleware`` gives every cookie it writes the full ``max_age`` again, so a session
that is used keeps its cookie forever. Here a session may name its own end (``EXPIRES_KEY``, seconds
since the epoch, set at login): the cookie's Max-Age is what is left of it, and the signature is not
accepted after ``max_age`` in any case. Logged in, the cookie holds the server-side session's random id
(``kulturkluster.staff_sessions``), the CSRF token and pending flash messages; who is logged in, and
whether that still counts, is decided on the server.
"""

from __future__ import annotations

import json
import time
from base64 import b64decode, b64encode
from binascii import Error as Base64Error

import itsdangerous
from itsdangerous.exc import BadSignature
from starlette.datastructures import MutableHeaders
from starlette.middleware.sessions import Session
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EXPIRES_KEY = "exp"
_EXPIRED = "expires=Thu, 01 Jan 1970 00:00:00 GMT; "


class SessionCookieMiddleware:
    """``scope["session"]`` from a signed cookie, written back when changed, with a non-sliding end."""

    def __init__(self, app: ASGIApp, secret_key: str, *, cookie: str, max_age: int, https_only: bool) -> None:
        self.app = app
        self.signer = itsdangerous.TimestampSigner(secret_key)
        self.cookie = cookie
        self.max_age = max_age
        self.flags = "path=/; httponly; samesite=lax" + ("; secure" if https_only else "")

    def _load(self, value: str | None) -> dict[str, object] | None:
        if value is None:
            return None
        try:
            data = json.loads(b64decode(self.signer.unsign(value.encode(), max_age=self.max_age)))
        except (BadSignature, Base64Error, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _left(self, session: Session) -> int:
        """Seconds the cookie may live: the session's own end if it has one, never more than max_age."""
        expires = session.get(EXPIRES_KEY)
        if isinstance(expires, int | float):
            return min(self.max_age, int(expires - time.time()))
        return self.max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loaded = self._load(HTTPConnection(scope).cookies.get(self.cookie))
        scope["session"] = Session(loaded or {})

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                session: Session = scope["session"]
                headers = MutableHeaders(scope=message)
                if session.accessed:
                    headers.add_vary_header("Cookie")
                left = self._left(session)
                if session.modified and session and left > 0:
                    data = self.signer.sign(b64encode(json.dumps(session).encode())).decode()
                    headers.append("Set-Cookie", f"{self.cookie}={data}; Max-Age={left}; {self.flags}")
                elif session.modified and loaded is not None:  # cleared, or past its end
                    headers.append("Set-Cookie", f"{self.cookie}=null; {_EXPIRED}{self.flags}")
            await send(message)

        await self.app(scope, receive, send_with_cookie)
