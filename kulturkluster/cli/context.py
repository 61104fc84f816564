"""Building the services once per CLI invocation, and stopping a long-running command cleanly.

The wiring is imported when a command builds it: ``mailer run`` builds only the sender's part
(``kulturkluster.wiring_sending``), every other command the whole service.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, TypeVar

from kulturkluster import migrate
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

if TYPE_CHECKING:
    from kulturkluster.wiring import Services
    from kulturkluster.wiring_notices import NoticeServices
    from kulturkluster.wiring_sending import SendingServices

Built = TypeVar("Built", bound="NoticeServices")


class DatabaseNotCurrent(KulturklusterError):
    """The schema is older than the code: run ``kulturkluster db upgrade``."""

    kind = ErrorKind.CONFLICT


@contextmanager
def services(*, check_schema: bool = True, send_after_commit: bool = True) -> Iterator[Services]:
    """The services for one command; mail a command queues leaves right after its transaction commits.

    The long-running loops (``inbound run``, ``mailer run``, ``serve``) pass ``send_after_commit=False``:
    they flush on their own rounds (the inbound runner after each batch is committed and filed).
    """
    from kulturkluster.wiring import build  # noqa: PLC0415 - see the module's docstring

    with _opened(build(), check_schema=check_schema, send_after_commit=send_after_commit) as built:
        yield built


@contextmanager
def sending_services() -> Iterator[SendingServices]:
    """The sender's services only (``mailer run``); it flushes the outbox on its own rounds."""
    from kulturkluster.wiring_sending import build_sending  # noqa: PLC0415 - see the module's docstring

    with _opened(build_sending(), check_schema=True, send_after_commit=False) as built:
        yield built


@contextmanager
def _opened(built: Built, *, check_schema: bool, send_after_commit: bool) -> Iterator[Built]:
    try:
        if check_schema and not migrate.is_current(built.db):
            raise DatabaseNotCurrent(t("db.not_current"))
        with built.sending() if send_after_commit else nullcontext():
            yield built
    finally:
        built.close()


def install_stop_handlers(stop: threading.Event) -> None:
    """SIGTERM and Ctrl-C set ``stop``: the loop finishes what it holds and returns."""

    def handler(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
