"""The pure rules of staff notices: who is told, when a summary or reminder is due (Stockholm time, DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cases.notify_rules import (
    Event,
    NoticeItem,
    Person,
    first_lines,
    follow_up_state,
    parse_time,
    recipients,
    reminded,
    slot_today,
    summarise,
    summary_due,
    today,
)
from cases.notify_words import counted, follow_up_label, summary_title

SHARED = "kulturkluster@kulturkluster.test"
ELIN = Person(1, "elin", "elin@kk.test", "every")
MAJA = Person(2, "maja", "maja@kk.test", "daily", "07:30")
OLLE = Person(3, "olle", "olle@kk.test", "none")
NOMAIL = Person(4, "utan", "", "every")
GONE = Person(5, "borta", "borta@kk.test", "every", active=False)
SHARED_BOX = Person(6, "delad", SHARED, "every")
EVERYONE = [ELIN, MAJA, OLLE, NOMAIL, GONE, SHARED_BOX]


def names(people: list[Person]) -> list[str]:
    return [p.username for p in people]


@pytest.mark.parametrize(
    ("event", "told"),
    [
        (Event(from_address="anna@example.se"), ["elin", "maja"]),
        (Event(actor="elin", from_address="anna@example.se"), ["maja"]),  # she recorded it herself
        (Event(from_address="ELIN@kk.test"), ["maja"]),  # mail from her own address
        (Event(actor="maja"), ["elin"]),
        (Event(actor="someone-else"), ["elin", "maja"]),
    ],
)
def test_who_is_told(event: Event, told: list[str]) -> None:
    assert names(recipients(event, EVERYONE, [SHARED])) == told


def test_the_shared_mailbox_is_never_told() -> None:
    assert "delad" not in names(recipients(Event(), EVERYONE, [SHARED.upper()]))


@pytest.mark.parametrize(
    ("assignee", "told"),
    [("elin", ["elin"]), ("olle", []), (None, ["elin", "maja"]), ("gammal-cli-namn", ["elin", "maja"])],
)
def test_who_a_follow_up_reminds(assignee: str | None, told: list[str]) -> None:
    assert names(reminded(assignee, EVERYONE, [SHARED])) == told


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "at", "slot"),
    [
        (utc(2026, 1, 15, 12), "08:00", utc(2026, 1, 15, 7)),  # winter: UTC+1
        (utc(2026, 7, 15, 12), "08:00", utc(2026, 7, 15, 6)),  # summer: UTC+2
        (utc(2026, 3, 29, 12), "08:00", utc(2026, 3, 29, 6)),  # the spring change day, after it
        (utc(2026, 10, 25, 12), "08:00", utc(2026, 10, 25, 7)),  # the autumn change day, after it
        (utc(2026, 3, 29, 12), "02:30", utc(2026, 3, 29, 1, 30)),  # a time the clocks skip: read as 03:30
        (utc(2026, 1, 14, 23, 30), "00:15", utc(2026, 1, 14, 23, 15)),  # already the 15th in Stockholm
    ],
)
def test_todays_slot_in_stockholm(now: datetime, at: str, slot: datetime) -> None:
    assert slot_today(now, at) == slot


def test_summary_due_once_a_day() -> None:
    at = "08:00"
    assert not summary_due(utc(2026, 1, 15, 6, 59), at, None)
    assert summary_due(utc(2026, 1, 15, 7, 0), at, None)
    assert not summary_due(utc(2026, 1, 15, 9), at, utc(2026, 1, 15, 7, 0))
    assert not summary_due(utc(2026, 1, 15, 22, 59), at, utc(2026, 1, 15, 7, 0))  # 23:59 Stockholm
    assert summary_due(utc(2026, 1, 16, 7, 1), at, utc(2026, 1, 15, 7, 0))
    # the service was down at 08:00: the summary goes when it is back, the same day
    assert summary_due(utc(2026, 1, 16, 13), at, utc(2026, 1, 15, 7, 0))
    # a time moved later on the same day: no second summary before the new time
    assert not summary_due(utc(2026, 1, 15, 8, 30), "10:00", utc(2026, 1, 15, 7, 0))
    assert summary_due(utc(2026, 1, 15, 9, 0), "10:00", utc(2026, 1, 15, 7, 0))


def test_summer_time_starts_and_ends_without_a_double_or_missed_summary() -> None:
    last = utc(2026, 3, 28, 7)  # Saturday 08:00 CET
    assert not summary_due(utc(2026, 3, 29, 5, 59), "08:00", last)  # Sunday 07:59 CEST
    assert summary_due(utc(2026, 3, 29, 6, 0), "08:00", last)  # Sunday 08:00 CEST
    last = utc(2026, 10, 24, 6)  # Saturday 08:00 CEST
    assert not summary_due(utc(2026, 10, 25, 6, 30), "08:00", last)  # Sunday 07:30 CET
    assert summary_due(utc(2026, 10, 25, 7, 0), "08:00", last)


def test_the_day_is_stockholms() -> None:
    assert today(utc(2026, 6, 30, 22, 30)) == date(2026, 7, 1)
    assert today(utc(2026, 12, 31, 22, 59)) == date(2026, 12, 31)
    assert today(utc(2026, 12, 31, 23, 0)) == date(2027, 1, 1)


def test_follow_up_state_and_words() -> None:
    on = date(2026, 12, 3)
    assert follow_up_state(None, on) is None
    assert follow_up_state(date(2026, 12, 4), on) is None
    state = follow_up_state(on, on)
    assert state is not None and state.due_today and state.overdue_days == 0
    late = follow_up_state(date(2026, 11, 30), on)
    assert late is not None and not late.due_today and late.overdue_days == 3
    assert follow_up_label(on, on) == "i dag"
    assert follow_up_label(date(2026, 12, 2), on) == "sedan i går"
    assert follow_up_label(date(2026, 11, 30), on) == "sedan 30 november (3 dagar sedan)"
    assert follow_up_label(date(2026, 12, 24), on) == "den 24 december"


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("08:00", (8, 0)), (" 23:59 ", (23, 59)), ("24:00", None), ("8:00", None), ("", None)],
)
def test_parse_time(value: str, parsed: tuple[int, int] | None) -> None:
    got = parse_time(value)
    assert ((got.hour, got.minute) if got else None) == parsed


def test_first_lines_leave_out_quotes_and_blank_lines() -> None:
    text = "Hej!\n\n> Den 3 december skrev ni:\n> gammalt\nRad två\nRad tre\nRad fyra\nRad fem\nRad sex"
    assert first_lines(text) == "Hej!\nRad två\nRad tre\nRad fyra\nRad fem"
    assert first_lines("x" * 1000).endswith("…") and len(first_lines("x" * 1000)) == 400


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Our own quote, as ``cases.reply_body`` writes it: the intro line goes with the quote.
        (
            "Tack, då söker vi!\n\nDen 30 november 2026 kl. 09:12 skrev Kulturkluster Sörmland "
            "<kk@example.se>:\n> Hej Linnea!\n> Här är blanketten.",
            "Tack, då söker vi!",
        ),
        # Wrapped before the address, as some programs do.
        (
            "Tack!\nOn Mon, 30 Nov 2026 at 09:12, Kulturkluster Sörmland <\nkk@example.se> wrote:\n> Hej!",
            "Tack!",
        ),
        # Written below the quote: the answer still counts.
        ("Den 2026-11-30 kl. 09:12, Sam skrev:\n> Hej!\n> Fråga?\nSvar under.", "Svar under."),
        # Outlook quotes without "> ": its header block ends the excerpt.
        (
            "Tack!\n\nFrån: Kulturkluster Sörmland <kk@example.se>\nSkickat: den 30 november 2026 09:12\n"
            "Till: Linnea\nÄmne: SV: Fråga\n\nHej Linnea! Här är blanketten.",
            "Tack!",
        ),
        ("Tack!\n-----Ursprungligt meddelande-----\nHej Linnea!", "Tack!"),
        ("Tack!\n" + "_" * 32 + "\nFrån: Kulturkluster\nHej Linnea!", "Tack!"),  # Outlook's rule
        # Words like these in the text itself are kept.
        ("Från: Föreningen Vingen\nVi undrar om lokaler.", "Från: Föreningen Vingen\nVi undrar om lokaler."),
        (
            "Den här frågan skrev jag förut:\nGäller det oss?",
            "Den här frågan skrev jag förut:\nGäller det oss?",
        ),
        (
            "Den 3 mars var vi där.\nVi skrev om det här:\nLokalen",
            "Den 3 mars var vi där.\nVi skrev om det här:\nLokalen",
        ),
    ],
)
def test_first_lines_leave_out_the_mail_a_reply_quotes(text: str, expected: str) -> None:
    assert first_lines(text) == expected


def item(kind: str, reference: str, hour: int) -> NoticeItem:
    return NoticeItem(
        kind, reference, f"Ämne {reference}", "", f"/app/arenden/{reference}", utc(2026, 1, 1, hour)
    )


def test_summary_lists_each_case_once_per_section() -> None:
    summary = summarise(
        [
            item("new_message", "KK-2026-0001", 9),
            item("new_case", "KK-2026-0002", 8),
            item("new_message", "KK-2026-0002", 10),  # in a case that is itself new
            item("new_message", "KK-2026-0001", 11),
            item("follow_up", "KK-2026-0003", 7),
        ]
    )
    assert [i.reference for i in summary.new_cases] == ["KK-2026-0002"]
    assert [(i.reference, i.at.hour) for i in summary.new_messages] == [("KK-2026-0001", 11)]
    assert [i.reference for i in summary.follow_ups] == ["KK-2026-0003"]
    assert summary_title(summary) == "1 nytt ärende, 1 nytt meddelande, 1 att följa upp"
    assert summarise([]).empty


def test_counted_plurals() -> None:
    assert counted("notify.count_new_cases", 1) == "1 nytt ärende"
    assert counted("notify.count_new_cases", 2) == "2 nya ärenden"
    assert counted("notify.count_new_messages", 0) == "0 nya meddelanden"
