"""The relay's limits as arithmetic: how many messages may go now, when the next may, when a campaign ends.

Pure functions over counts and times; the sender reads the counts from the database (so every worker on
every machine shares one budget) and sleeps as long as these functions say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Limits:
    per_minute: int  # 0: no limit
    per_day: int  # 0: no limit


@dataclass(frozen=True, slots=True)
class Usage:
    """Messages handed to the relay in the last minute and the last 24 hours, and the oldest of each."""

    last_minute: int
    last_day: int
    oldest_in_minute: datetime | None = None
    oldest_in_day: datetime | None = None


def budget(limits: Limits, usage: Usage) -> int | None:
    """How many messages may go now; None means no limit at all."""
    room: list[int] = []
    if limits.per_minute:
        room.append(limits.per_minute - usage.last_minute)
    if limits.per_day:
        room.append(limits.per_day - usage.last_day)
    return max(min(room), 0) if room else None


def next_slot(limits: Limits, usage: Usage, now: datetime) -> datetime:
    """When the budget opens again (call when ``budget`` is 0): the oldest message leaves its window."""
    waits = [now]
    if limits.per_day and usage.last_day >= limits.per_day and usage.oldest_in_day:
        waits.append(usage.oldest_in_day + DAY)
    if limits.per_minute and usage.last_minute >= limits.per_minute and usage.oldest_in_minute:
        waits.append(usage.oldest_in_minute + MINUTE)
    return max(waits)


def estimate_finish(
    limits: Limits, usage: Usage, remaining: int, now: datetime, measured_per_minute: float | None
) -> datetime | None:
    """An honest guess at when ``remaining`` messages are out.

    The pace is the relay's per-minute limit or the pace measured lately, whichever is lower; whatever the
    24-hour limit leaves for today goes today, the rest in whole days after the current window ends.
    None when nothing is known about the pace (no limit and nothing sent yet).
    """
    if remaining <= 0:
        return now
    paces = [p for p in (limits.per_minute or None, measured_per_minute) if p]
    if not paces:
        return None
    pace = min(paces)
    if not limits.per_day:
        return now + timedelta(minutes=remaining / pace)
    today = max(limits.per_day - usage.last_day, 0)
    if remaining <= today:
        return now + timedelta(minutes=remaining / pace)
    left = remaining - today
    window_opens = (usage.oldest_in_day or now) + DAY
    full_days, last = divmod(left, limits.per_day)
    days_needed = full_days if last == 0 else full_days + 1
    tail = last if last else limits.per_day
    start_of_last_day = max(window_opens, now) + DAY * (days_needed - 1)
    return start_of_last_day + timedelta(minutes=math.ceil(tail / pace))
