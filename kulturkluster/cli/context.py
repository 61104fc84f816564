"""Building the services once per CLI invocation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from kulturkluster import migrate
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t
from kulturkluster.wiring import Services, build


class DatabaseNotCurrent(KulturklusterError):
    """The schema is older than the code: run ``kulturkluster db upgrade``."""

    kind = ErrorKind.CONFLICT


@contextmanager
def services(*, check_schema: bool = True, send_after_commit: bool = True) -> Iterator[Services]:
    """The services for one command; mail a command queues leaves right after its transaction commits.

    The long-running loops (``inbound run``, ``mailer run``, ``serve``) pass ``send_after_commit=False``:
    they flush on their own rounds (the inbound runner after each batch is committed and filed).
    """
    built = build()
    try:
        if check_schema and not migrate.is_current(built.db):
            raise DatabaseNotCurrent(t("db.not_current"))
        with built.sending() if send_after_commit else nullcontext():
            yield built
    finally:
        built.close()
