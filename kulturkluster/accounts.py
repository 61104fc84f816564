"""Staff accounts: local users with argon2 password hashes and a role (``admin`` or ``staff``).

A login is a ``StaffSession`` row (see ``kulturkluster.staff_sessions``); it remembers the account's
``session_version``. Changing the password, the role or disabling the account bumps the version and
revokes every session row, so every session made before ends at once.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from subscribers.address import InvalidAddress, normalize_address

from .db import Base, UtcDateTime, utcnow
from .errors import ErrorKind, KulturklusterError
from .texts import t

if TYPE_CHECKING:  # argon2 (and its cffi bindings) is loaded at the first hash, not by every importer
    from argon2 import PasswordHasher

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")


@functools.cache
def _hasher() -> PasswordHasher:
    """The one argon2 hasher, made when a password is first hashed or checked: the sender and the inbound
    processes import this module for the staff accounts' rows but never see a password."""
    from argon2 import PasswordHasher  # noqa: PLC0415 - loaded at the first hash, see above

    return PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a wrong name costs as long as a wrong password.

    Made on first use, not at import: an argon2 hash costs 64 MiB and tens of milliseconds, which every
    process importing this module (the CLI, the sender) would otherwise pay for nothing.
    """
    return _hasher().hash("not a password of anyone")


class Role(StrEnum):
    ADMIN = "admin"  # also manages accounts and settings, exports and erases people
    STAFF = "staff"


class AccountError(KulturklusterError):
    """An account command that cannot be carried out; the message says why."""

    kind = ErrorKind.REFUSED


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.STAFF)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    notify_mode: Mapped[str] = mapped_column(
        String(16), default="every", server_default="every"
    )  # every|daily|none
    notify_at: Mapped[str] = mapped_column(
        String(5), default="08:00", server_default="08:00"
    )  # HH:MM, Stockholm
    signature: Mapped[str] = mapped_column(Text, default="", server_default="")
    summary_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # the last daily summary

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def display_name(self) -> str:
        return self.name or self.username


class StaffSession(Base):
    """One login. The browser's cookie carries a random token; the row is keyed by the token's SHA-256,
    so the table alone lets nobody in. Logout sets ``revoked_at``; so does anything that ends all of an
    account's sessions."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    session_version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


def end_sessions(session: Session, user: StaffUser) -> None:
    """Every session of ``user`` ends now (a new password, a disabled account, another role)."""
    user.session_version += 1
    session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(t("accounts.password_short", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:  # the login form reads no more than this
        raise AccountError(t("accounts.password_long", n=MAX_PASSWORD_LENGTH))


def check_repeated(password: str, again: str) -> None:
    """A new password typed twice must be the same both times."""
    if password != again:
        raise AccountError(t("accounts.mismatch"))


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise AccountError(t("accounts.bad_role", role=value[:40])) from None


def _clean_email(email: str) -> str:
    email = email.strip()
    if not email:
        return ""
    try:
        return normalize_address(email)
    except InvalidAddress as exc:
        raise AccountError(t("accounts.bad_email", email=email[:80], why=exc.why)) from None


def _other_active_admins(session: Session, user: StaffUser) -> int:
    # Row locks on PostgreSQL, so two admins cannot take away each other's rights at the same moment.
    ids = session.scalars(
        select(StaffUser.id)
        .where(StaffUser.role == Role.ADMIN, StaffUser.active.is_(True), StaffUser.id != user.id)
        .with_for_update()
    )
    return len(list(ids))


def _keep_an_admin(session: Session, user: StaffUser, acting: StaffUser | None, *, own_key: str) -> None:
    """Refuse to take an admin's rights (disable or demote) from oneself or from the last active admin."""
    if acting is not None and acting.id == user.id:
        raise AccountError(t(own_key))
    if user.is_admin and user.active and _other_active_admins(session, user) == 0:
        raise AccountError(t("accounts.last_admin", username=user.username))


def by_id(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        raise AccountError(t("accounts.unknown_id", id=user_id))
    return user


def find(session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))


def get(session: Session, username: str) -> StaffUser:
    user = find(session, username)
    if user is None:
        raise AccountError(t("accounts.unknown", username=username))
    return user


def add(
    session: Session, username: str, password: str, *, role: Role, name: str = "", email: str = ""
) -> StaffUser:
    username = username.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise AccountError(t("accounts.bad_username", username=username))
    if find(session, username) is not None:
        raise AccountError(t("accounts.exists", username=username))
    _check_password(password)
    user = StaffUser(
        username=username,
        name=" ".join(name.split())[:200],
        email=_clean_email(email),
        role=role,
        password_hash=_hasher().hash(password),
        active=True,
        session_version=1,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: StaffUser, password: str) -> None:
    _check_password(password)
    user.password_hash = _hasher().hash(password)
    end_sessions(session, user)


def set_active(session: Session, user: StaffUser, active: bool, *, acting: StaffUser | None = None) -> None:
    """Enable or disable an account; disabling ends its sessions. Nobody disables themself (``acting``)
    or the last active admin."""
    if user.active == active:
        return
    if not active:
        _keep_an_admin(session, user, acting, own_key="accounts.disable_self")
    user.active = active
    end_sessions(session, user)


def set_role(session: Session, user: StaffUser, role: Role, *, acting: StaffUser | None = None) -> None:
    """Change an account's role; its sessions end. Nobody demotes themself or the last active admin."""
    if user.role == role:
        return
    if role is not Role.ADMIN and user.is_admin:
        _keep_an_admin(session, user, acting, own_key="accounts.demote_self")
    user.role = role
    end_sessions(session, user)


def all_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash (no such account) a dummy is checked, so a wrong name
    costs as long as a wrong password. Pure CPU: callers run it outside any transaction."""
    from argon2.exceptions import InvalidHashError, VerificationError  # noqa: PLC0415

    try:
        _hasher().verify(password_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def logged_in(user: StaffUser, password: str) -> None:
    """Record a successful login (and upgrade the hash when argon2's parameters have grown)."""
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    user.last_login_at = utcnow()


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The active account with this name and password, or None; takes as long either way."""
    user = find(session, username)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    logged_in(user, password)
    return user
