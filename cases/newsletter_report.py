"""The newsletter's part of the evaluation: the list per month and each issue's outcome (pure).

The list size at the end of a month is worked out backwards from today's active subscribers and the
consent log's changes after that month (each change into ``active`` adds one, each change out of it
takes one away), so no query reads the log from its beginning.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from .reports import months_between

UNSUBSCRIBE_WINDOW_DAYS = 7
ACTIVE = "active"
LEFT = {"unsubscribed": "unsubscribed", "complained": "unsubscribed", "bounced": "bounced"}


@dataclass(frozen=True, slots=True)
class ListChanges:
    """One month of the consent log: net change of the active list, and people who joined or left."""

    net: int = 0
    new: int = 0
    unsubscribed: int = 0
    bounced: int = 0


@dataclass(frozen=True, slots=True)
class NewsletterMonth:
    month: str
    list_size: int  # active subscribers at the end of the month
    new: int
    unsubscribed: int
    bounced: int


@dataclass(frozen=True, slots=True)
class IssueRow:
    subject: str
    started: str  # the day sending started, Stockholm time
    recipients: int
    delivered: int
    failed: int
    unsubscribed_within_7_days: int


@dataclass(frozen=True, slots=True)
class NewsletterReport:
    months: list[NewsletterMonth] = field(default_factory=list)
    issues: list[IssueRow] = field(default_factory=list)


def newsletter_months(
    start: date, end: date, active_now: int, net_since_end: int, changes: Mapping[str, ListChanges]
) -> list[NewsletterMonth]:
    """The months of [start, end). ``net_since_end``: the list's net change from ``end`` until now."""
    size = active_now - net_since_end
    rows: list[NewsletterMonth] = []
    for month in reversed(months_between(start, end)):
        change = changes.get(month, ListChanges())
        rows.append(NewsletterMonth(month, size, change.new, change.unsubscribed, change.bounced))
        size -= change.net
    return rows[::-1]


def list_changes(counts: Iterable[tuple[str, str | None, str, int]]) -> dict[str, ListChanges]:
    """Per month, from (month, old status, new status, how many events): the net change of the active
    list, and how many joined it, unsubscribed (or complained) and bounced. An event that changes no
    status (a re-sent confirmation, a bounce that only scored) counts for nothing."""
    months: dict[str, dict[str, int]] = {}
    for month, old, new, n in counts:
        if old == new:
            continue
        change = months.setdefault(month, {"net": 0, "new": 0, "unsubscribed": 0, "bounced": 0})
        if new == ACTIVE:
            change["net"] += n
            change["new"] += n
        elif old == ACTIVE:
            change["net"] -= n
        if new in LEFT:
            change[LEFT[new]] += n
    return {month: ListChanges(**change) for month, change in months.items()}
