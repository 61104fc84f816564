"""Who is told about what, and when: the pure rules behind staff notices (no I/O, plain data).

- A new case and a requester's new message in an open case are told to every active account with an
  address whose choice is not "none", except the person who made the event (its author, or the account
  whose address the mail came from) and an account whose address is the shared mailbox (a notice to it
  would come back as mail).
- A follow-up day reminds the case's assignee; a case nobody is assigned to reminds everyone (in a
  two-person office the unassigned case is everybody's), at each person's chosen time of day.
- "every" sends each notice at once; "daily" sends one summary a day at the chosen time (Stockholm
  time), of all that came since the last one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# A case opened from mail older than this is history (a backfill, an old mail run again), not news.
NEWS_WINDOW = timedelta(days=2)
FIRST_LINES = 5
FIRST_LINES_CHARS = 400
_TIME = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
# Where a reply's own text ends and the earlier mail begins, as mail programs write it: "Den 3 mars 2026
# kl. 10:15 skrev Namn <adress>:" (ours too, ``cases.reply_body``), "On ... wrote:", a separator line, or
# Outlook's header block ("Från: ..." followed by "Skickat: ..."/"Datum: ...").
_ATTRIBUTION = re.compile(r"^.*\d.*\b(skrev|wrote|schrieb|a écrit)\b.*:$", re.I)  # a date, then who wrote
_SEPARATOR = re.compile(r"^(-{2,}\s*(ursprungligt meddelande|original message)\s*-{2,}|_{10,})$", re.I)
_HEADER_FROM = re.compile(r"^(från|from):\s", re.I)
_HEADER_NEXT = re.compile(r"^(skickat|sent|datum|date|till|to):\s", re.I)


class NotifyMode(StrEnum):
    EVERY = "every"
    DAILY = "daily"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Person:
    """A staff account as the rules see it."""

    user_id: int
    username: str
    email: str
    mode: str
    notify_at: str = "08:00"
    active: bool = True


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a case: who made it (a username, or the address a mail came from)."""

    actor: str | None = None
    from_address: str | None = None


def parse_time(value: str) -> time | None:
    """ "HH:MM" (24 hours) as a time, None when it is not one."""
    match = _TIME.fullmatch(value.strip())
    return time(int(match[1]), int(match[2])) if match else None


def listeners(people: Iterable[Person], shared_addresses: Iterable[str] = ()) -> list[Person]:
    """The people who want notices at all and can get them by mail."""
    shared = {address.lower() for address in shared_addresses}
    return [
        p
        for p in people
        if p.active
        and p.email
        and p.mode in (NotifyMode.EVERY, NotifyMode.DAILY)
        and p.email.lower() not in shared
    ]


def recipients(event: Event, people: Iterable[Person], shared_addresses: Iterable[str] = ()) -> list[Person]:
    """Who is told about ``event``: everyone listening but the one who made it."""
    sender = (event.from_address or "").lower()
    return [
        p
        for p in listeners(people, shared_addresses)
        if p.username != event.actor and (not sender or p.email.lower() != sender)
    ]


def reminded(
    assignee: str | None, people: Sequence[Person], shared_addresses: Iterable[str] = ()
) -> list[Person]:
    """Who a follow-up day reminds: the assignee, or everyone listening when nobody (known) is assigned."""
    listening = listeners(people, shared_addresses)
    if assignee:
        mine = [p for p in listening if p.username == assignee]
        known = any(p.username == assignee for p in people)
        return mine if known else listening
    return listening


def slot_today(now: datetime, notify_at: str) -> datetime:
    """Today's chosen time (Stockholm) as an aware UTC moment; a time the clocks skip is read as after it."""
    at = parse_time(notify_at) or time(8, 0)
    local = now.astimezone(STOCKHOLM)
    wall = datetime.combine(local.date(), at, tzinfo=STOCKHOLM)
    # In the spring gap (02:00-03:00) zoneinfo reads the wall time with the old offset: round trip it.
    return wall.astimezone(ZoneInfo("UTC"))


def time_has_come(now: datetime, notify_at: str) -> bool:
    """Whether today's chosen time (Stockholm) has passed."""
    return now >= slot_today(now, notify_at)


def summary_due(now: datetime, notify_at: str, last_sent: datetime | None) -> bool:
    """Whether a daily summary is due: today's time has come and none went since it."""
    slot = slot_today(now, notify_at)
    return now >= slot and (last_sent is None or last_sent < slot)


def today(now: datetime) -> date:
    """The day in Stockholm."""
    return now.astimezone(STOCKHOLM).date()


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Where a case's follow-up day stands on a given day."""

    due_today: bool
    overdue_days: int  # 0 unless the day has passed


def follow_up_state(day: date | None, on: date) -> FollowUp | None:
    """None when the case has no follow-up day or it is still ahead."""
    if day is None or day > on:
        return None
    return FollowUp(day == on, (on - day).days)


def first_lines(text: str, lines: int = FIRST_LINES, chars: int = FIRST_LINES_CHARS) -> str:
    """The start of a message for a notice: its first non-empty lines without the earlier mail a reply
    quotes: lines with "> " and the line introducing them are left out (a reply written below them still
    counts); an unmarked quote (Outlook's header block, a separator line) ends the excerpt."""
    kept: list[str] = []
    rows = [line.strip() for line in text.splitlines() if line.strip()]
    index = 0
    while index < len(rows) and len(kept) < lines:
        row, after = rows[index], rows[index + 1 : index + 2]
        intro = _attribution_rows(row, after)
        if intro:
            if not "".join(rows[index + intro : index + intro + 1]).startswith(">"):
                break  # not followed by a marked quote: the earlier mail is not marked, so it ends here
            index += intro
            continue
        if _SEPARATOR.match(row) or (_HEADER_FROM.match(row) and after and _HEADER_NEXT.match(after[0])):
            break
        if not row.startswith(">"):
            kept.append(row)
        index += 1
    joined = "\n".join(kept)
    return joined if len(joined) <= chars else joined[: chars - 1].rstrip() + "…"


def _attribution_rows(row: str, after: Sequence[str]) -> int:
    """How many rows "Den ... skrev Namn <adress>:" takes here: 1, 2 (wrapped before the address) or 0."""
    if _ATTRIBUTION.match(row):
        return 1
    wrapped = bool(after) and "@" in after[0] and not _ATTRIBUTION.match(after[0])
    if wrapped and any(c.isdigit() for c in row) and _ATTRIBUTION.match(f"{row} {after[0]}"):
        return 2
    return 0


@dataclass(frozen=True, slots=True)
class NoticeItem:
    """One line of a notice or summary."""

    kind: str  # NoticeKind value
    reference: str
    subject: str
    excerpt: str
    url: str
    at: datetime
    follow_up_on: date | None = None
    assignee: str = ""
    follow_up_label: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    """A daily summary's sections, each in time order, one line per case."""

    new_cases: Sequence[NoticeItem]
    new_messages: Sequence[NoticeItem]
    follow_ups: Sequence[NoticeItem]

    @property
    def empty(self) -> bool:
        return not (self.new_cases or self.new_messages or self.follow_ups)

    @property
    def count(self) -> int:
        return len(self.new_cases) + len(self.new_messages) + len(self.follow_ups)


def summarise(items: Iterable[NoticeItem]) -> Summary:
    """Group notices for a summary: a case counts once per section (its newest message is shown)."""
    by_section: dict[str, dict[str, NoticeItem]] = {"new_case": {}, "new_message": {}, "follow_up": {}}
    for item in sorted(items, key=lambda i: i.at):
        by_section.setdefault(item.kind, {})
        section = by_section[item.kind]
        if item.kind == "new_message" and item.reference in by_section["new_case"]:
            continue  # the case itself is new: it is listed there
        section[item.reference] = item
    return Summary(
        new_cases=list(by_section["new_case"].values()),
        new_messages=list(by_section["new_message"].values()),
        follow_ups=list(by_section["follow_up"].values()),
    )
