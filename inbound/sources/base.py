"""The protocol every mail source implements, what it delivers (``Item``) and gets back (``Outcome``), and
the folder each route is filed in."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.settings import FolderSettings

from ..classify import Route


@dataclass(frozen=True, slots=True)
class Item:
    """One message as a source delivers it. ``ref`` names it at the source (e.g. an IMAP UID)."""

    raw: bytes
    source: str
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the pipeline did with one item: the stored row and its route (``duplicate``: stored before)."""

    ref: str | None
    row_id: int
    route: Route
    reason: str
    duplicate: bool = False


class SourceUnavailable(KulturklusterError):
    """The source cannot be reached now (network, login, server gone); worth retrying later."""

    kind = ErrorKind.UNAVAILABLE


class Source(Protocol):
    """A mailbox the runner drains: list what waits, fetch it, file it after the commit, wait for more."""

    name: str
    stable_refs: bool  # True when a reference always names the same message (IMAP UIDVALIDITY + UID)

    def waiting(self) -> list[str]:
        """References of every message still waiting, oldest first."""
        ...

    def fetch(self, refs: Sequence[str]) -> list[Item]: ...

    def file(self, filed: Sequence[tuple[str, Route]]) -> None:
        """Move handled messages out of the way, into the folder of their route."""
        ...

    def wait(self, stop: threading.Event) -> None:
        """Block until new mail may have arrived, a time limit passed, or ``stop`` is set."""
        ...

    def close(self) -> None: ...


def folder_for(route: Route, folders: FolderSettings) -> str:
    return {
        Route.SUBSCRIBE: folders.subscriptions,
        Route.UNSUBSCRIBE: folders.subscriptions,
        Route.CONFIRM: folders.subscriptions,
        Route.NEW_CASE: folders.cases,
        Route.CASE_REPLY: folders.cases,
        Route.BOUNCE: folders.bounces,
        Route.AUTO_REPLY: folders.auto_replies,
        Route.QUARANTINE: folders.quarantine,
    }[route]
