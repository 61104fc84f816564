"""Server-side staff sessions: a login makes a ``StaffSession`` row, the browser keeps only its token.

A session counts while its row is not revoked, younger than the absolute lifetime (counted from login;
using the app does not extend it), and the account is active with the same ``session_version`` as at
login. Logout revokes the row, so a copied cookie stops working with it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from .accounts import StaffSession, StaffUser, logged_in
from .db import utcnow

# last_seen_at is for people reading the table; writing it on every page load would only add writes.
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Login:
    """A new session: the token for the cookie, and when the session ends whatever happens."""

    token: str
    expires_at: datetime


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(
    session: Session, user_id: int, checked_hash: str, password: str, max_age: timedelta
) -> Login | None:
    """A session for the account whose password was checked against ``checked_hash`` (outside this
    transaction); None when the account was disabled or got a new password in between."""
    user = session.get(StaffUser, user_id)
    if user is None or not user.active or user.password_hash != checked_hash:
        return None
    logged_in(user, password)
    return _new(session, user, utcnow(), max_age)


def _new(session: Session, user: StaffUser, created_at: datetime, max_age: timedelta) -> Login:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(
            id=_key(token),
            user_id=user.id,
            session_version=user.session_version,
            created_at=created_at,
            last_seen_at=now,
        )
    )
    session.flush()
    return Login(token, created_at + max_age)


def resume(session: Session, token: str, max_age: timedelta) -> StaffUser | None:
    """The account of a session that still counts, or None."""
    row = session.get(StaffSession, _key(token))
    now = utcnow()
    if row is None or row.revoked_at is not None or now >= row.created_at + max_age:
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.active or user.session_version != row.session_version:
        return None
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    return user


def end(session: Session, token: str) -> None:
    """Logout: the session stops counting now, wherever its cookie is."""
    row = session.get(StaffSession, _key(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def renew(session: Session, token: str, user: StaffUser, max_age: timedelta) -> Login:
    """After ``accounts.end_sessions`` on one's own account (a new password): a new session for this
    browser only, ending when the old one would have (the absolute lifetime does not restart)."""
    old = session.get(StaffSession, _key(token))
    return _new(session, user, old.created_at if old is not None else utcnow(), max_age)
