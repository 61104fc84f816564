"""The root of every error this service raises on purpose, and what each kind of error means at the edges.

Specific errors live next to the code they belong to and subclass ``KulturklusterError``; their messages say, in
plain words, what a member of staff or an operator can do about them, and they keep the values that caused
them. Each class carries a ``kind``; the web app and the CLI map the kind (never the class) to an HTTP status
and an exit code through ``KIND_STATUS`` and ``KIND_EXIT_CODE`` below, so no domain module knows about either.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    """What went wrong, in the terms a caller acts on."""

    INVALID = "invalid"  # the input cannot be used as given: correct it and try again
    NOT_FOUND = "not_found"  # what was named does not exist (or no longer does)
    CONFLICT = "conflict"  # the thing exists but its present state does not allow this
    REFUSED = "refused"  # not allowed: a rule or a missing right says no, whatever is sent
    UNAVAILABLE = "unavailable"  # a server or service we depend on is away: try again later


# One place maps a kind to HTTP and to the shell.
KIND_STATUS: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 422,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.REFUSED: 403,
    ErrorKind.UNAVAILABLE: 503,
}
KIND_EXIT_CODE: dict[ErrorKind, int] = {
    ErrorKind.INVALID: 2,
    ErrorKind.NOT_FOUND: 3,
    ErrorKind.CONFLICT: 4,
    ErrorKind.REFUSED: 5,
    ErrorKind.UNAVAILABLE: 6,
}


class KulturklusterError(Exception):
    """Base class of the service's own errors.

    ``values`` keeps what caused the error (an address, a reference, a route), for logs and for callers that
    want more than the sentence; subclasses that are raised with a fixed set of values also expose them as
    typed attributes.
    """

    kind: ClassVar[ErrorKind] = ErrorKind.INVALID

    def __init__(self, message: str = "", **values: object) -> None:
        super().__init__(message)
        self.values: dict[str, object] = values

    @property
    def http_status(self) -> int:
        return KIND_STATUS[self.kind]

    @property
    def exit_code(self) -> int:
        return KIND_EXIT_CODE[self.kind]


class ConfigurationError(KulturklusterError):
    """A setting is missing or inconsistent."""

    kind = ErrorKind.INVALID
