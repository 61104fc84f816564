"""A person's own choices (Mitt konto): how they hear of cases, at what time, and their reply signature."""

from __future__ import annotations

from dataclasses import dataclass

from kulturkluster.accounts import StaffUser
from kulturkluster.errors import ErrorKind, KulturklusterError
from kulturkluster.texts import t

from .notify_rules import NotifyMode, parse_time

MAX_SIGNATURE = 2000

__all__ = ["MAX_SIGNATURE", "InvalidNotifyChoice", "NotifyChoice", "NotifyMode", "apply", "parse"]


class InvalidNotifyChoice(KulturklusterError):
    """A notice choice, time of day or signature the account page cannot take."""

    kind = ErrorKind.INVALID


@dataclass(frozen=True, slots=True)
class NotifyChoice:
    mode: NotifyMode
    at: str  # "HH:MM", Stockholm
    signature: str


def parse(mode: str, at: str, signature: str) -> NotifyChoice:
    try:
        chosen = NotifyMode(mode.strip())
    except ValueError:
        raise InvalidNotifyChoice(t("notify.bad_mode")) from None
    time_of_day = parse_time(at)
    if time_of_day is None:
        raise InvalidNotifyChoice(t("notify.bad_time", value=at.strip()[:20]))
    cleaned = signature.strip()
    if len(cleaned) > MAX_SIGNATURE:
        raise InvalidNotifyChoice(t("notify.signature_long", n=MAX_SIGNATURE))
    return NotifyChoice(chosen, time_of_day.strftime("%H:%M"), cleaned)


def apply(user: StaffUser, choice: NotifyChoice) -> None:
    user.notify_mode, user.notify_at, user.signature = choice.mode.value, choice.at, choice.signature
