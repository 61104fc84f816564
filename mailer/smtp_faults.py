"""Whose fault a permanent SMTP refusal is: the recipient's (a bounce) or the relay's (nobody's bounce).

The table is data: the stage of the transaction the refusal came at and the enhanced status code in its
text (RFC 3463) decide, first matching row wins. A relay that refuses *us* (Exchange Online's
``554 5.2.252 SendAsDenied`` at DATA, a policy or size refusal) would refuse every recipient alike, so
charging them would disable the whole list; those are relay faults, retried later and never scored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Stage(StrEnum):
    """Where in the SMTP transaction the relay answered."""

    MAIL = "mail"  # MAIL FROM
    RCPT = "rcpt"  # RCPT TO
    DATA = "data"  # the DATA command or the end of the message


class Blame(StrEnum):
    RECIPIENT = "recipient"
    RELAY = "relay"


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the table: ``stages`` (empty: any), an enhanced code prefix ("5.1." or exactly
    "5.2.252"; empty: any), ``basic`` (a reply code, 0: any), ``no_enhanced`` (only without a code)."""

    blame: Blame
    why: str
    stages: frozenset[Stage] = frozenset()
    enhanced: str = ""
    basic: int = 0
    no_enhanced: bool = False


_SENDING = frozenset({Stage.MAIL, Stage.DATA})

TABLE: tuple[Row, ...] = (
    Row(Blame.RECIPIENT, "refused at RCPT", frozenset({Stage.RCPT})),
    Row(Blame.RECIPIENT, "5.1.x: bad destination address", enhanced="5.1."),
    Row(Blame.RECIPIENT, "5.2.1: mailbox disabled", enhanced="5.2.1"),
    Row(Blame.RECIPIENT, "5.2.2: mailbox full", enhanced="5.2.2"),
    Row(Blame.RELAY, "5.2.252: the relay refuses our sender (SendAsDenied)", _SENDING, "5.2.252"),
    Row(Blame.RELAY, "5.7.x: security or policy of the relay", _SENDING, "5.7."),
    Row(Blame.RELAY, "5.3.x: the relay's mail system", _SENDING, "5.3."),
    Row(Blame.RELAY, "5.4.x: network or routing at the relay", _SENDING, "5.4."),
    Row(Blame.RELAY, "5.5.x: protocol or size at the relay", _SENDING, "5.5."),
    Row(
        Blame.RELAY,
        "554 at DATA without a recipient code",
        frozenset({Stage.DATA}),
        basic=554,
        no_enhanced=True,
    ),
    Row(Blame.RELAY, "refused at MAIL FROM: the sender, not the recipient", frozenset({Stage.MAIL})),
)
DEFAULT = Row(Blame.RECIPIENT, "permanent refusal")

_ENHANCED = re.compile(r"(?<![\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.]*\d)")


def enhanced_code(text: str) -> str | None:
    """The first enhanced status code in a reply text (``5.2.252``), if any."""
    found = _ENHANCED.search(text)
    return found.group(1) if found else None


def _matches(row: Row, stage: Stage | None, code: int, enhanced: str | None) -> bool:
    if row.stages and stage not in row.stages:
        return False
    if row.basic and row.basic != code:
        return False
    if row.no_enhanced and enhanced is not None:
        return False
    if not row.enhanced:
        return True
    if enhanced is None:
        return False
    return enhanced.startswith(row.enhanced) if row.enhanced.endswith(".") else enhanced == row.enhanced


def classify(stage: Stage | None, code: int, text: str) -> Row:
    """The row that decides a 5xx refusal at ``stage`` with ``text``."""
    enhanced = enhanced_code(text)
    return next((row for row in TABLE if _matches(row, stage, code, enhanced)), DEFAULT)
