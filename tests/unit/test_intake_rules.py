"""The pure parts of casework from outside the inbox: which case staff mail answers, and what staff type
for a case made by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cases.by_hand import InvalidHandCase, channel_label, parse_at, parse_channel, parse_requester
from cases.models import Channel
from cases.thread_match import Candidates, CaseFacts
from inbound.staff_mail import answers_requester, first_case

CASE = CaseFacts(1, "KK-2026-0001", None, frozenset({"gunilla@teater.example", "bo@teater.example"}))
OTHER = CaseFacts(2, "KK-2026-0002", None, frozenset({"x@y.example"}))


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (Candidates(), None),
        (Candidates(by_tag=CASE), CASE),  # staff take part in every case: the tag is enough
        (Candidates(by_mention=CASE), CASE),
        (Candidates(by_thread=CASE, by_tag=OTHER), CASE),
        (Candidates(by_token=OTHER, by_thread=CASE), OTHER),
    ],
)
def test_the_case_staff_mail_threads_into(candidates: Candidates, expected: CaseFacts | None) -> None:
    assert first_case(candidates) == expected


@pytest.mark.parametrize(
    ("recipients", "expected"),
    [
        (["Gunilla@Teater.example"], True),
        (["bo@teater.example", "kk@kk.test"], True),  # someone else who wrote in the case
        (["kk@kk.test"], False),
        (["olle@kk.test"], False),
        ([], False),
    ],
)
def test_staff_mail_answers_the_requester(recipients: list[str], expected: bool) -> None:
    ours = {"kk@kk.test", "olle@kk.test"}
    assert answers_requester(CASE, recipients, ours) is expected


def test_an_address_of_ours_in_the_case_is_no_requester() -> None:
    case = CaseFacts(1, "KK-2026-0001", None, frozenset({"elin@kk.test"}))  # staff mail stored before the fix
    assert not answers_requester(case, ["elin@kk.test"], {"elin@kk.test"})


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Anna Andersson <Anna@Example.SE>", ("Anna Andersson", "Anna@example.se")),
        ('"Andersson, Anna" <anna@example.se>', ("Andersson, Anna", "anna@example.se")),
        ("anna@example.se", ("", "anna@example.se")),
        ("  Gunilla   Ek ", ("Gunilla Ek", None)),
        ("Bo <>", ("Bo", None)),
    ],
)
def test_the_requester_as_typed(typed: str, expected: tuple[str, str | None]) -> None:
    assert parse_requester(typed) == expected


def test_a_requester_with_a_broken_address_is_refused() -> None:
    with pytest.raises(InvalidHandCase, match="ingen användbar e-postadress"):
        parse_requester("Anna <anna@>")


NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", NOW),
        ("2026-11-27 14:30", datetime(2026, 11, 27, 13, 30, tzinfo=UTC)),
        ("2026-07-01T09:00", datetime(2026, 7, 1, 7, 0, tzinfo=UTC)),  # summer time
        ("2026-11-28", datetime(2026, 11, 27, 23, 0, tzinfo=UTC)),
    ],
)
def test_the_time_is_swedish(typed: str, expected: datetime) -> None:
    assert parse_at(typed, NOW) == expected


@pytest.mark.parametrize(
    ("typed", "message"), [("i går", "ingen tidpunkt"), ("2026-11-29 14:00", "framtiden")]
)
def test_a_bad_time_is_refused(typed: str, message: str) -> None:
    with pytest.raises(InvalidHandCase, match=message):
        parse_at(typed, NOW)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Telefon", Channel.PHONE),
        ("besök", Channel.VISIT),
        ("Möte", Channel.MEETING),
        ("e-post", Channel.EMAIL),
    ],
)
def test_channels_as_typed(typed: str, expected: Channel) -> None:
    assert parse_channel(typed) is expected


def test_channel_labels_are_swedish() -> None:
    labels = [channel_label(c.value) for c in Channel]
    assert labels == ["E-post", "Telefon", "Besök", "Möte", "Evenemang"]
    with pytest.raises(InvalidHandCase, match="ingen kanal"):
        parse_channel("fax")
