"""The result of one check, and what a list of them means for the exit status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"  # works, but a receiver or a rule may object
    FAIL = "fail"  # does not work as configured
    SKIP = "skip"  # not configured, so not checked


@dataclass(frozen=True, slots=True)
class Result:
    check: str  # stable name for scripts, e.g. "dns.spf"
    status: Status
    message: str  # what was found, for people
    hint: str = ""  # what to do about it

    def as_dict(self) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items()}


def exit_status(results: Sequence[Result]) -> int:
    """1 when anything failed, else 0 (warnings do not fail a script)."""
    return 1 if any(r.status is Status.FAIL for r in results) else 0
