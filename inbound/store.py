"""Repository functions for stored inbound messages. They take the caller's session and never commit."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, text, update
from sqlalchemy.orm import Session, load_only

from kulturkluster.db import fold, folded
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from .classify import Route
from .models import InboundMessage

CASE_ROUTES = (Route.NEW_CASE.value, Route.CASE_REPLY.value)
_S = TypeVar("_S", bound=Select[Any])


def digests(raw: bytes) -> tuple[str, str]:
    """sha256 of the whole message and of its body (what stays the same when relays add headers)."""
    split = raw.find(b"\r\n\r\n")
    cut = split + 4 if split >= 0 else raw.find(b"\n\n") + 2
    body = memoryview(raw)[cut:] if cut > 1 else b""  # a view: no copy of a big message's body
    return hashlib.sha256(raw).hexdigest(), hashlib.sha256(body).hexdigest()


_CHUNK = 500
_KEY_COLUMNS = (
    InboundMessage.id,
    InboundMessage.sha256,
    InboundMessage.body_sha256,
    InboundMessage.message_id,
    InboundMessage.route,
    InboundMessage.reason,
)


# A driver copies a bound blob before it writes it (SQLite twice: the binding, then the record; libpq once,
# into its send buffer): a 50 MB message would cost 50-100 MB more. Above this size a message is inserted
# empty and written in pieces after the flush: on SQLite into a zero blob (incremental blob I/O), on
# PostgreSQL through a large object the server turns into the column's value.
BIG_RAW_BYTES = 4 << 20
_BLOB_PIECE = 1 << 20


def raw_value(session: Session, raw: bytes) -> bytes | ColumnElement[bytes]:
    """What to insert as a new row's ``raw``; a big message then needs ``write_big_raw`` after the flush.

    The placeholder is an SQL expression, so the ORM forgets the value after the flush (a later read
    loads what ``write_big_raw`` wrote)."""
    if len(raw) < BIG_RAW_BYTES:
        return raw
    if session.get_bind().dialect.name == "sqlite":
        return func.zeroblob(len(raw))
    return func.decode("", "hex")  # an empty bytea


def write_big_raw(session: Session, row: InboundMessage, raw: bytes) -> None:
    """Write a flushed row's ``raw`` (``raw_value``) a piece at a time."""
    connection = session.connection()
    view = memoryview(raw)
    if connection.dialect.name == "sqlite":
        dbapi = connection.connection.dbapi_connection
        with dbapi.blobopen("inbound_messages", "raw", row.id) as blob:  # type: ignore[union-attr]
            for start in range(0, len(raw), _BLOB_PIECE):
                blob.write(view[start : start + _BLOB_PIECE])
        return
    oid = connection.execute(text("SELECT lo_create(0)")).scalar_one()
    for start in range(0, len(raw), _BLOB_PIECE):
        piece = bytes(view[start : start + _BLOB_PIECE])
        connection.execute(
            text("SELECT lo_put(:oid, :at, :piece)"), {"oid": oid, "at": start, "piece": piece}
        )
    connection.execute(update(InboundMessage).where(InboundMessage.id == row.id).values(raw=func.lo_get(oid)))
    connection.execute(text("SELECT lo_unlink(:oid)"), {"oid": oid})


def by_sha256(session: Session, sha256s: Sequence[str]) -> dict[str, InboundMessage]:
    """Stored messages with these exact bytes."""
    found: dict[str, InboundMessage] = {}
    for start in range(0, len(sha256s), _CHUNK):
        query = select(InboundMessage).options(load_only(*_KEY_COLUMNS))
        rows = session.scalars(query.where(InboundMessage.sha256.in_(sha256s[start : start + _CHUNK])))
        found.update({row.sha256: row for row in rows})
    return found


def by_message_id(session: Session, message_ids: Sequence[str]) -> dict[tuple[str, str], InboundMessage]:
    """Stored messages by (Message-ID, body sha256): the same message with other relay headers."""
    found: dict[tuple[str, str], InboundMessage] = {}
    unique = list(dict.fromkeys(message_ids))
    for start in range(0, len(unique), _CHUNK):
        query = select(InboundMessage).options(load_only(*_KEY_COLUMNS))
        rows = session.scalars(query.where(InboundMessage.message_id.in_(unique[start : start + _CHUNK])))
        found.update({(row.message_id or "", row.body_sha256): row for row in rows})
    return found


def routes_by_source_ref(session: Session, refs: Sequence[str]) -> dict[str, str]:
    """Route of every already stored message among source references (e.g. IMAP UIDs)."""
    found: dict[str, str] = {}
    for start in range(0, len(refs), 500):
        chunk = list(refs[start : start + 500])
        rows = session.execute(
            select(InboundMessage.source_ref, InboundMessage.route).where(
                InboundMessage.source_ref.in_(chunk)
            )
        )
        found.update({ref: route for ref, route in rows if ref})
    return found


class MessageNotFound(KulturklusterError):
    """No stored inbound message has this id."""

    kind = ErrorKind.NOT_FOUND


def get(session: Session, row_id: int) -> InboundMessage:
    row = session.get(InboundMessage, row_id)
    if row is None:
        raise MessageNotFound(t("inbound.no_message", id=row_id))
    return row


def _filtered(query: _S, route: str | None, search: str | None) -> _S:
    if route:
        query = query.where(InboundMessage.route == route)
    if search and search.strip():
        escaped = fold(search.strip()).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                folded(InboundMessage.from_address).like(pattern, escape="\\"),
                folded(InboundMessage.from_name).like(pattern, escape="\\"),
                folded(InboundMessage.subject).like(pattern, escape="\\"),
            )
        )
    return query


def list_messages(
    session: Session,
    route: str | None = None,
    limit: int = 100,
    *,
    search: str | None = None,
    offset: int = 0,
) -> list[InboundMessage]:
    """Newest first; ``search`` matches the sender's address or name, or the subject (any case)."""
    query = select(InboundMessage).order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
    query = _filtered(query, route, search)
    return list(session.scalars(query.limit(limit).offset(offset)))


def count_messages(session: Session, route: str | None = None, *, search: str | None = None) -> int:
    query = _filtered(select(func.count()).select_from(InboundMessage), route, search)
    return session.scalar(query) or 0


def route_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(InboundMessage.route, func.count()).group_by(InboundMessage.route))
    return {route: count for route, count in rows}
